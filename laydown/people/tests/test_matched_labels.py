"""A duplicate flag says what matched in the reader's language, never the stored codes."""

from __future__ import annotations

from django.utils import translation

from laydown.people.models import MATCHED_LABELS, DuplicateFlag
from laydown.people.services.registration import match_keys


def test_every_match_key_has_a_label_and_is_shown_translated():
    keys = {"name_year", "name_born", "photo"}
    assert keys == set(MATCHED_LABELS)
    assert set(match_keys.__code__.co_consts) >= keys  # the keys registration writes
    flag = DuplicateFlag(matched=["name_born", "photo"])
    with translation.override("ru"):
        shown = flag.matched_display()
    assert shown == "имя и дата рождения, фото"
    assert "name_born" not in shown

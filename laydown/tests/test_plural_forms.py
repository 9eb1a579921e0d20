"""Every plural message is translated for every count, in every checked language.

Russian has four plural forms (1 / 2-4 / 5-20 / fractions); an entry that gives only the first
two is compiled without complaint, and gettext then falls back to the English for 5, 6 or 11:
"6 problems: nothing written" on a Russian page (six entries did, until this test).
"""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from laydown.testing.languages import CHECKED_LANGUAGES

COUNTS = [*range(0, 32), 101, 111, 1000, 5823]


def _plural_entries(language: str) -> list[tuple[str, str]]:
    path = Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / "django.mo"
    with path.open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    # The plural msgid of each entry is not kept; a msgid with msgstr[1] is a plural entry.
    catalog: dict[object, str] = compiled._catalog  # type: ignore[attr-defined]
    singulars = {key[0] for key in catalog if isinstance(key, tuple)}
    return sorted((s, catalog[(s, 0)]) for s in singulars)


@pytest.mark.parametrize("language", CHECKED_LANGUAGES)
def test_every_plural_entry_has_a_translation_for_every_count(language: str) -> None:
    entries = _plural_entries(language)
    assert len(entries) > 10
    english_left = []
    with translation.override(language):
        for singular, _first in entries:
            for n in COUNTS:
                # The English plural is never the translation: any other msgid_plural works.
                shown = translation.ngettext(singular, "\x00plural", n)
                if shown in (singular, "\x00plural"):
                    english_left.append((singular, n))
                    break
    assert english_left == []


def test_russian_counts_take_their_own_form() -> None:
    with translation.override("ru"):
        six = translation.ngettext(
            "%(n)s problem: nothing written", "%(n)s problems: nothing written", 6
        )
        days = translation.ngettext("%(days)s day", "%(days)s days", 5)
    assert six == "%(n)s проблем: ничего не записано"
    assert days == "%(days)s дней"

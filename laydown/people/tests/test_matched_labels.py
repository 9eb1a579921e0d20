"""A suspected duplicate says what matched in the reader's language, never the stored codes
(name_born, name_year, photo): on the flagged participant's page and on the duplicates list."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from laydown.people.models import DuplicateFlag
from laydown.people.tests.base import png, register
from laydown.testing import FAST_HASHERS, signed_in, user_with_role
from laydown.testing.languages import visible_text

pytestmark = pytest.mark.django_db

# What a flag of two registrations with the same name, date of birth and photo says matched.
MATCHED = ("name and date of birth", "name and year of birth", "photo")
CODES = ("name_born", "name_year", "photo")


@pytest.mark.parametrize("language", ["az", "hy", "ru"])
def test_a_flag_shows_what_matched_in_the_readers_language(language: str) -> None:
    earlier = register(name="Aram Petrosyan", photo=png(7))
    later = register(name="Արամ Պետրոսյան", photo=png(7))  # same date of birth and photo
    flag = DuplicateFlag.objects.get(participant=later)
    assert (flag.other, flag.status) == (earlier.pk, "open")
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        client = signed_in(user_with_role("mgr", "programme_manager", "programme"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    with translation.override(language):
        labels = [gettext(english) for english in MATCHED]
    assert not set(labels) & set(MATCHED), "the labels are translated"
    for url in (
        reverse("people:person", args=[later.pk]),
        reverse("people:person", args=[earlier.pk]),
        reverse("people:duplicates"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        text = " ".join(visible_text(response.content.decode()))
        assert ", ".join(labels) in text, url
        for code in CODES:
            assert code not in text, (url, code)

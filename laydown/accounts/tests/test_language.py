"""The language: the browser's for anonymous visitors, with a switch on every page; a signed-in
user's kept in their profile, used at sign-in and changed by the switch."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from laydown.accounts.models import User
from laydown.testing import FAST_HASHERS, PASSWORD, user_with_role

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("accounts:sign_in")
SWITCH = reverse("set_language")


@pytest.fixture(autouse=True)
def fast_hashing(settings) -> None:
    settings.PASSWORD_HASHERS = FAST_HASHERS


def lang_of(response) -> str:
    html = response.content.decode()
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


@pytest.mark.parametrize("language", ["az", "hy", "ru", "en"])
def test_an_anonymous_visitor_gets_the_browsers_language_and_a_switch(language: str) -> None:
    response = Client().get(SIGN_IN, headers={"accept-language": f"{language},en;q=0.5"})
    assert response.status_code == 200
    assert lang_of(response) == language
    assert f'action="{SWITCH}"' in response.content.decode()  # the switch, on every page


def test_the_switch_overrides_the_browser_for_an_anonymous_visitor() -> None:
    client = Client(headers={"accept-language": "en"})
    client.post(SWITCH, {"language": "hy", "next": "/"})
    assert lang_of(client.get(SIGN_IN)) == "hy"


def test_signing_in_keeps_the_language_chosen_and_uses_it_from_any_browser() -> None:
    user_with_role("gulnara", "collection_clerk", "site:cp-1")
    first = Client(headers={"accept-language": "en"})
    first.post(SWITCH, {"language": "ru", "next": SIGN_IN})
    assert first.post(SIGN_IN, {"username": "gulnara", "password": PASSWORD}).status_code == 302
    assert User.objects.get(username="gulnara").language == "ru"
    other = Client(headers={"accept-language": "az"})  # another browser, another language
    response = other.post(SIGN_IN, {"username": "gulnara", "password": PASSWORD})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ru"
    page = other.get(reverse("accounts:profile"))
    assert lang_of(page) == "ru"
    assert "Русский" in page.content.decode()


def test_the_switch_changes_a_signed_in_users_profile() -> None:
    user = user_with_role("gulnara", "collection_clerk", "site:cp-1")
    client = Client()
    client.post(SIGN_IN, {"username": "gulnara", "password": PASSWORD})
    client.post(SWITCH, {"language": "hy", "next": "/"})
    user.refresh_from_db()
    assert user.language == "hy"
    assert lang_of(client.get(reverse("accounts:profile"))) == "hy"
    client.post(SWITCH, {"language": "xx", "next": "/"})  # not a language: nothing changes
    user.refresh_from_db()
    assert user.language == "hy"

"""Sign-in throttling per address and per account, before any hashing, and nobody locked out.

The tests count the password hasher's work with a counting hasher; the throttle's clock stands
still (a slow request on a busy machine cannot outlast a 1 s wait) and a test moves it on.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.auth.hashers import MD5PasswordHasher
from django.test import Client
from django.urls import reverse

from laydown.accounts import signin
from laydown.accounts.models import SignInThrottle
from laydown.ledger.models import Record
from laydown.testing import PASSWORD, clock, kinds_logged, user_with_role

pytestmark = pytest.mark.django_db
SIGN_IN = reverse("accounts:sign_in")


class CountingHasher(MD5PasswordHasher):
    """A fast hasher that counts its work (encode for unknown users, verify for known ones)."""

    algorithm = "counting_md5"
    calls = 0

    def encode(self, password: str, salt: str) -> str:
        type(self).calls += 1
        return super().encode(password, salt)


@pytest.fixture(autouse=True)
def counting_hasher(settings) -> type[CountingHasher]:
    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    CountingHasher.calls = 0
    return CountingHasher


def sign_in(client: Client, username: str, password: str = PASSWORD) -> int:
    return client.post(SIGN_IN, {"username": username, "password": password}).status_code


@pytest.fixture(autouse=True)
def frozen(monkeypatch) -> clock.FrozenClock:
    return clock.freeze(monkeypatch, signin)


@pytest.fixture
def time_passes(frozen: clock.FrozenClock) -> Callable[[], None]:
    return lambda: frozen.advance(60)


def test_one_address_trying_many_usernames_is_held_back_before_hashing(counting_hasher) -> None:
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    address_limit = settings.LAYDOWN_SIGNIN_FAILURE_LIMIT * 4
    statuses = [sign_in(attacker, f"nobody-{n}", "Summer2026!") for n in range(30)]
    assert statuses[:address_limit] == [401] * address_limit
    assert statuses[address_limit:] == [429] * (30 - address_limit)
    assert counting_hasher.calls == address_limit  # the 10 held back cost no hashing
    assert sign_in(Client(REMOTE_ADDR="198.51.100.9"), "nobody-31") == 401  # others go on


def test_an_account_backs_off_and_opens_again_after_the_wait(time_passes) -> None:
    user_with_role("gulnara", "collection_clerk")
    client = Client()
    limit = settings.LAYDOWN_SIGNIN_FAILURE_LIMIT
    for n in range(limit):
        assert sign_in(client, "gulnara", f"wrong-{n}") == 401
    response = client.post(SIGN_IN, {"username": "gulnara", "password": PASSWORD})
    assert response.status_code == 429 and response["Retry-After"] == "1"
    time_passes()
    assert sign_in(client, "gulnara", "wrong-again") == 401  # counted: the next wait doubles
    response = client.post(SIGN_IN, {"username": "gulnara", "password": PASSWORD})
    assert response.status_code == 429 and response["Retry-After"] == "2"
    time_passes()
    assert sign_in(client, "gulnara") == 302
    assert not SignInThrottle.objects.filter(bucket__startswith="account:").exists()


def test_nobody_can_lock_out_the_admin_from_a_browser_that_signed_in_before() -> None:
    user_with_role("admin", "admin")
    own_browser = Client(REMOTE_ADDR="192.0.2.10")
    assert sign_in(own_browser, "admin") == 302  # password accepted; the device cookie is set
    own_browser.post(reverse("accounts:sign_out"))
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    statuses = [sign_in(attacker, "admin", f"guess-{n}") for n in range(12)]
    assert 429 in statuses and sign_in(attacker, "admin") == 429  # held back, even if right
    assert sign_in(own_browser, "admin") == 302  # the admin's own browser is not held back
    assert sign_in(Client(REMOTE_ADDR="192.0.2.10"), "admin") == 429  # a new browser is


def test_throttles_record_no_typed_text_and_nothing_for_unknown_usernames() -> None:
    ann = user_with_role("ann", "collection_clerk")
    attacker = Client(REMOTE_ADDR="203.0.113.7")
    typed = "correct horse battery staple"  # a password typed in the username box
    for _ in range(settings.LAYDOWN_SIGNIN_FAILURE_LIMIT * 4):
        sign_in(attacker, typed, "x")
    assert kinds_logged().count("accounts.signin_throttled") == 0
    assert [b for b in SignInThrottle.objects.values_list("bucket", flat=True)] == [
        "address:203.0.113.7"
    ]
    other = Client(REMOTE_ADDR="198.51.100.9")
    for n in range(settings.LAYDOWN_SIGNIN_FAILURE_LIMIT):
        sign_in(other, "ann", f"wrong-{n}")
    records = [r for r in Record.objects.order_by("index") if r.kind == "accounts.signin_throttled"]
    assert len(records) == 1
    body = bytes(records[0].body).decode()
    assert json.loads(body)["data"] == {"user": ann.pseudonym, "failures": 5}
    assert typed not in body

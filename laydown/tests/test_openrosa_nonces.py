"""HTTP Digest's nonce count (laydown.openrosa.nonces): a request sent again, by anybody, is
refused with a fresh challenge (stale=true), in this process and in another worker process
that shares the database, and two copies sent at the same moment are accepted once."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from django.test import Client
from django.utils import timezone

from laydown.arms.models import Site
from laydown.openrosa import auth
from laydown.openrosa.models import DigestNonce
from laydown.openrosa.nonces import nonce_count_advance
from laydown.testing.field import enrolled_clerk
from laydown.testing.openrosa import BASE, digest_header
from laydown.testing.threads import race

FORM_LIST = f"{BASE}/formList"


def _header(device: object, challenge: str, nc: int = 1) -> str:
    return digest_header(
        challenge,
        method="GET",
        uri=FORM_LIST,
        username=device.public_id,  # type: ignore[attr-defined]
        password=auth.device_password(device),  # type: ignore[arg-type]
        nc=nc,
    )


def _challenge() -> str:
    first = Client().get(FORM_LIST)
    assert first.status_code == 401
    return str(first["WWW-Authenticate"])


def _get(header: str) -> object:
    return Client().get(FORM_LIST, headers={"Authorization": header})


@pytest.mark.django_db
def test_a_request_sent_again_is_refused_with_a_fresh_stale_challenge(
    sites: dict[str, Site],
) -> None:
    device = enrolled_clerk().device
    challenge = _challenge()
    first = _header(device, challenge, nc=1)
    assert _get(first).status_code == 200  # type: ignore[attr-defined]
    replayed = _get(first)
    assert replayed.status_code == 401  # type: ignore[attr-defined]
    again = replayed["WWW-Authenticate"]  # type: ignore[index]
    assert "stale=true" in again
    assert auth.parse_params(again)["nonce"] != auth.parse_params(challenge)["nonce"]
    assert _get(_header(device, challenge, nc=2)).status_code == 200  # type: ignore[attr-defined]
    for count in (2, 1):  # the same count, or a lower one: refused
        refused = _get(_header(device, challenge, nc=count))
        assert refused.status_code == 401  # type: ignore[attr-defined]
        assert "stale=true" in refused["WWW-Authenticate"]  # type: ignore[index]
    assert _get(_header(device, again, nc=1)).status_code == 200  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_a_digest_without_a_nonce_count_or_with_a_wrong_password_is_not_stale(
    sites: dict[str, Site],
) -> None:
    device = enrolled_clerk().device
    challenge = _challenge()
    header = _header(device, challenge)
    no_count = header.replace(", qop=auth", "").replace(", nc=00000001", "")
    refused = _get(no_count)
    assert refused.status_code == 401  # type: ignore[attr-defined]
    assert "stale" not in refused["WWW-Authenticate"]  # type: ignore[index]
    wrong = digest_header(
        challenge, method="GET", uri=FORM_LIST, username=device.public_id, password="guess"
    )
    refused = _get(wrong)
    assert refused.status_code == 401  # type: ignore[attr-defined]
    assert "stale" not in refused["WWW-Authenticate"]  # type: ignore[index]
    assert not DigestNonce.objects.exists()  # nothing counted for a request refused before


@pytest.mark.django_db
def test_two_challenges_in_the_same_second_have_their_own_nonces() -> None:
    now = 1_800_000_000.0
    assert auth.nonce_make(now) != auth.nonce_make(now)


@pytest.mark.django_db
def test_counts_of_nonces_past_their_lifetime_are_purged_by_a_new_nonce() -> None:
    old = timezone.now() - dt.timedelta(seconds=auth.NONCE_SECONDS + 60)
    assert nonce_count_advance(key="a" * 32, issued=old, count=1, lifetime=auth.NONCE_SECONDS)
    assert nonce_count_advance(
        key="b" * 32, issued=timezone.now(), count=1, lifetime=auth.NONCE_SECONDS
    )
    assert list(DigestNonce.objects.values_list("key", flat=True)) == ["b" * 32]


@pytest.mark.django_db(transaction=True)
def test_two_copies_sent_at_the_same_moment_are_accepted_once() -> None:
    now = timezone.now()

    def advance(count: int) -> bool:
        return nonce_count_advance(key="c" * 32, issued=now, count=count, lifetime=3600)

    for count in (1, 2):  # a nonce's first use, then a later one: the same race each time
        results = race(*[lambda c=count: advance(c)] * 4)  # type: ignore[misc]
        assert sorted(results, key=bool) == [False, False, False, True], results
    assert DigestNonce.objects.get().count == 2


def test_another_worker_process_refuses_a_request_this_one_accepted(
    sites: dict[str, Site], subprocess_env: dict[str, str]
) -> None:
    """`laydown serve`'s workers are processes: the count must be in what they share."""
    device = enrolled_clerk().device
    challenge = _challenge()
    header = _header(device, challenge)
    assert _get(header).status_code == 200  # type: ignore[attr-defined]
    other_worker = (
        "import django, os, sys; os.environ['DJANGO_SETTINGS_MODULE'] = 'laydown.settings'; "
        "django.setup(); from django.test import Client; "
        f"r = Client().get({FORM_LIST!r}, headers={{'Authorization': sys.argv[1]}}); "
        "print(r.status_code, r.get('WWW-Authenticate', ''))"
    )
    ran = subprocess.run(
        [sys.executable, "-c", other_worker, header],
        env={**subprocess_env, "LAYDOWN_ALLOWED_HOSTS": "testserver"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    status, _sep, challenge_again = ran.stdout.strip().partition(" ")
    assert status == "401", ran.stdout + ran.stderr
    assert "stale=true" in challenge_again
    fresh = _header(device, challenge_again)
    ran = subprocess.run(
        [sys.executable, "-c", other_worker, fresh],
        env={**subprocess_env, "LAYDOWN_ALLOWED_HOSTS": "testserver"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert ran.stdout.startswith("200"), ran.stdout + ran.stderr

"""Verified API tokens are kept a few seconds per process; every change of access drops them."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from laydown.access.roles import Role
from laydown.access.web import principal_for_user
from laydown.accounts import api_auth, programme, selectors, services, token_cache
from laydown.accounts.models import ApiToken, User
from laydown.testing import (
    another_process_changes_access,
    bearer,
    organisation,
    token_for,
    user_with_role,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

ME = "/api/v1/me"


@pytest.fixture
def admin() -> User:
    organisation("operator")
    return user_with_role("ada", Role.ADMIN, org="operator")


@pytest.fixture
def clerk(admin: User) -> User:
    return user_with_role("cal", Role.COLLECTION_CLERK, org="operator")


def cached_call(client: Client, secret: str) -> int:
    """Call /me twice: the second answer comes from the cache (no token query)."""
    assert client.get(ME, headers=bearer(secret)).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        status = client.get(ME, headers=bearer(secret)).status_code
    assert not [q for q in queries if "accounts_apitoken" in q["sql"]], "the token was not kept"
    return status


def test_a_kept_token_skips_the_token_and_grant_queries(client: Client, clerk: User) -> None:
    secret = token_for(clerk, ["account.profile"])
    assert cached_call(client, secret) == 200


def test_a_revoked_token_is_refused_at_once_though_it_was_kept(client: Client, clerk: User) -> None:
    secret = token_for(clerk, ["account.profile"])
    assert cached_call(client, secret) == 200
    token = ApiToken.objects.get(user=clerk)
    services.token_revoke(actor=principal_for_user(clerk), public_id=token.public_id)
    assert client.get(ME, headers=bearer(secret)).status_code == 401


def test_a_withdrawn_role_takes_effect_at_once(client: Client, admin: User, clerk: User) -> None:
    reader = token_for(clerk, ["arms.read"])
    assert client.get("/api/v1/arms/items", headers=bearer(reader)).status_code == 200
    services.role_revoke(
        actor=principal_for_user(admin), user=clerk, role=Role.COLLECTION_CLERK, scope="programme"
    )
    assert client.get("/api/v1/arms/items", headers=bearer(reader)).status_code == 403


def test_a_deactivated_user_takes_effect_at_once(client: Client, admin: User, clerk: User) -> None:
    secret = token_for(clerk, ["account.profile"])
    assert cached_call(client, secret) == 200
    services.user_active_set(actor=principal_for_user(admin), user=clerk, active=False)
    assert client.get(ME, headers=bearer(secret)).status_code == 401


def test_a_change_committed_by_another_process_drops_the_kept_tokens(
    client: Client, clerk: User
) -> None:
    secret = token_for(clerk, ["account.profile"])
    assert cached_call(client, secret) == 200
    # Another worker revoked it: the row changed under us, then that worker replaced the stamp.
    ApiToken.objects.filter(user=clerk).update(revoked_at=timezone.now())
    another_process_changes_access()
    assert client.get(ME, headers=bearer(secret)).status_code == 401


def test_without_a_stamp_change_a_kept_token_lives_at_most_the_cache_time(
    client: Client, clerk: User, settings: Any
) -> None:
    """The documented window for changes made on another machine: LAYDOWN_TOKEN_CACHE_SECONDS."""
    settings.LAYDOWN_TOKEN_CACHE_SECONDS = 1
    secret = token_for(clerk, ["account.profile"])
    assert cached_call(client, secret) == 200
    ApiToken.objects.filter(user=clerk).update(revoked_at=timezone.now())  # not through a record
    assert client.get(ME, headers=bearer(secret)).status_code == 200  # within the window
    time.sleep(1.05)
    assert client.get(ME, headers=bearer(secret)).status_code == 401


def test_a_kept_token_never_outlives_its_expiry(client: Client, clerk: User) -> None:
    secret = token_for(clerk, ["account.profile"])
    assert cached_call(client, secret) == 200
    digest = services.token_digest(secret)
    principal = token_cache.get(digest)
    assert principal is not None
    token_cache.put(digest, timezone.now(), principal, token_cache.stamp_read())
    ApiToken.objects.filter(user=clerk).update(expires_at=timezone.now())
    assert client.get(ME, headers=bearer(secret)).status_code == 401


def test_the_cache_can_be_turned_off(client: Client, clerk: User, settings: Any) -> None:
    settings.LAYDOWN_TOKEN_CACHE_SECONDS = 0
    secret = token_for(clerk, ["account.profile"])
    client.get(ME, headers=bearer(secret))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ME, headers=bearer(secret)).status_code == 200
    assert [q for q in queries if "accounts_apitoken" in q["sql"]]


def test_an_unknown_secret_is_never_kept(client: Client, clerk: User) -> None:
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(ME, headers=bearer("ldt_" + "x" * 40)).status_code == 401
        assert [q for q in queries if "accounts_apitoken" in q["sql"]]


def test_threads_asking_for_a_token_at_once_look_it_up_once(
    clerk: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As when a kept token runs out under load: the first thread looks it up, the others wait
    for it and take what it kept."""
    token_for(clerk, ["account.profile"])
    found = ApiToken.objects.select_related("user").get(user=clerk)  # the threads use no database
    looked_up: list[str] = []

    def token_authenticate(secret: str) -> ApiToken:
        looked_up.append(secret)
        time.sleep(0.2)  # the others ask meanwhile
        return found

    principal = principal_for_user(clerk)
    monkeypatch.setattr(selectors, "token_authenticate", token_authenticate)
    monkeypatch.setattr(api_auth, "principal_for_user", lambda user, token_actions: principal)
    start = threading.Barrier(8)
    answers: list[Any] = []

    def ask() -> None:
        start.wait()
        answers.append(api_auth.token_principal("ldt_asked-by-eight-threads"))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 8
    assert {a.user_id for a in answers} == {clerk.pk}
    assert looked_up == ["ldt_asked-by-eight-threads"]
    assert not token_cache._looking  # nothing left behind


PROFILE = {
    "name": "Northern Peace Programme",
    "operator": "operator",
    "default_language": "en",
    "languages": ["en"],
    "time_zone": "Asia/Baku",
}


def profile_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200  # a page: it shows the programme
    return len([q for q in queries if "accounts_programmeprofile" in q["sql"]])


@pytest.mark.django_db(transaction=True)
def test_the_programme_profile_is_kept_and_dropped_when_it_is_set_again(client: Client) -> None:
    organisation("operator")
    programme.programme_profile_set(actor=services.SYSTEM, **PROFILE)  # type: ignore[arg-type]
    assert profile_queries(client) == 1
    assert profile_queries(client) == 0  # every request reads it: kept
    programme.programme_profile_set(
        actor=services.SYSTEM,
        **{**PROFILE, "time_zone": "UTC"},  # type: ignore[arg-type]
    )
    assert profile_queries(client) == 1
    assert token_cache.programme_kept(programme.programme_profile).time_zone == "UTC"  # type: ignore[union-attr]
    another_process_changes_access()
    assert profile_queries(client) == 1

"""The site of a registration answered by the front (laydown.ops.api_fast) is kept a few seconds
per process (arms.selectors.site_kept), and nothing kept lets a registration through that would
be refused without it: a revoked token, a clerk moved off the site, a site closed, moved to
another region or deleted, here or by another process, are each seen at the next registration."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from laydown.access.web import principal_for_user
from laydown.accounts import services as accounts
from laydown.accounts.models import ApiToken, User
from laydown.arms import selectors, services
from laydown.arms.models import Item, Site
from laydown.fixtures import ARMS_MANAGER, ITEM_FIELDS
from laydown.ops.api_fast import RegistrationFront
from laydown.ops.api_front import TokenApiFront
from laydown.testing import another_process_changes_access, token_for, user_with_role
from laydown.testing.wsgi import answer, environ

# Outside any transaction, as under `laydown serve`: nothing is kept inside one.
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("fast_password_hashing", "connections_kept"),
]

ITEMS = "/api/v1/arms/items"
SITE_ROW = '"arms_site"."name"'  # only the whole row's read names it (the writer's: the status)


@pytest.fixture
def front() -> RegistrationFront:
    return RegistrationFront(TokenApiFront(WSGIHandler()))


@pytest.fixture
def clerk(sites: dict[str, Site]) -> User:
    return user_with_role("clerk", "collection_clerk", scope="region:north")


@pytest.fixture
def secret(clerk: User) -> str:
    return token_for(clerk, ["arms.item_register"])


def register(front: RegistrationFront, secret: str, serial: str, site: str = "cp-north") -> Any:
    """The status code and the error (if any) of a registration of one weapon at `site`."""
    body = json.dumps({**ITEM_FIELDS, "site": site, "serial": serial}).encode()
    request = environ(
        "POST",
        ITEMS,
        body,
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        CONTENT_TYPE="application/json",
        CONTENT_LENGTH=str(len(body)),
    )
    status, _headers, content = answer(front, request)
    return int(status.split()[0]), json.loads(content).get("error")


def registered(front: RegistrationFront, secret: str, serial: str) -> int:
    """A registration's status code, after checking the site was kept (its row not read)."""
    with CaptureQueriesContext(connection) as queries:
        status, _error = register(front, secret, serial)
    assert not [q for q in queries if SITE_ROW in q["sql"]], "the site was read again"
    return int(status)


def test_a_registrations_site_is_read_once_then_kept(front: RegistrationFront, secret: str) -> None:
    with CaptureQueriesContext(connection) as queries:
        assert register(front, secret, "SK-1")[0] == 201
    assert len([q for q in queries if SITE_ROW in q["sql"]]) == 1
    assert registered(front, secret, "SK-2") == 201
    assert Item.objects.filter(serial__in=["SK-1", "SK-2"]).count() == 2


def test_a_revoked_token_is_refused_though_the_site_is_kept(
    front: RegistrationFront, clerk: User, secret: str
) -> None:
    assert register(front, secret, "SK-1")[0] == 201
    token = ApiToken.objects.get(user=clerk)
    accounts.token_revoke(actor=principal_for_user(clerk), public_id=token.public_id)
    assert register(front, secret, "SK-2")[0] == 401
    assert not Item.objects.filter(serial="SK-2").exists()


def test_a_clerk_moved_off_the_sites_region_is_refused(
    front: RegistrationFront, clerk: User, secret: str
) -> None:
    assert register(front, secret, "SK-1")[0] == 201
    accounts.role_revoke(
        actor=accounts.SYSTEM, user=clerk, role="collection_clerk", scope="region:north"
    )
    accounts.role_grant(
        actor=accounts.SYSTEM, user=clerk, role="collection_clerk", scope="region:south"
    )
    status, error = register(front, secret, "SK-2")
    assert (status, error["code"]) == (403, "forbidden")
    assert not Item.objects.filter(serial="SK-2").exists()


def test_a_site_closed_is_seen_at_the_next_registration(
    front: RegistrationFront, secret: str, sites: dict[str, Site]
) -> None:
    assert register(front, secret, "SK-1")[0] == 201
    services.site_status_set(actor=ARMS_MANAGER, site=sites["cp-north"], status="closed")
    status, error = register(front, secret, "SK-2")
    assert (status, list(error["fields"])) == (422, ["site"])
    assert not Item.objects.filter(serial="SK-2").exists()


def test_a_site_closed_unseen_is_refused_by_its_writer(
    front: RegistrationFront, secret: str
) -> None:
    """Closed on another machine, within the time a site is kept: the process still holds it
    open, and the writer, which reads the status again under the log head lock, refuses it."""
    assert register(front, secret, "SK-1")[0] == 201
    Site.objects.filter(code="cp-north").update(status="closed")  # no record, no stamp
    kept = selectors.site_kept("cp-north")
    assert kept is not None and kept.status == "open"
    with CaptureQueriesContext(connection) as queries:
        status, error = register(front, secret, "SK-2")
    assert not [q for q in queries if SITE_ROW in q["sql"]]
    assert (status, list(error["fields"])) == (422, ["site"])
    assert not Item.objects.filter(serial="SK-2").exists()


def test_a_site_moved_to_another_region_is_seen_at_the_next_registration(
    front: RegistrationFront, secret: str, sites: dict[str, Site]
) -> None:
    assert register(front, secret, "SK-1")[0] == 201
    north = sites["cp-north"]
    services.site_update(
        actor=ARMS_MANAGER, site=north, name=north.name, kind=north.kind, region="south"
    )
    status, error = register(front, secret, "SK-2")
    assert (status, error["code"]) == (403, "forbidden")
    assert not Item.objects.filter(serial="SK-2").exists()


def test_a_site_changed_by_another_process_is_seen_at_the_next_registration(
    front: RegistrationFront, secret: str
) -> None:
    assert register(front, secret, "SK-1")[0] == 201
    # Another worker applied the site's record (the row changed), then replaced the stamp.
    Site.objects.filter(code="cp-north").update(region="south")
    another_process_changes_access()
    assert register(front, secret, "SK-2")[0] == 403


def test_a_site_deleted_then_made_again_is_seen(
    front: RegistrationFront, secret: str, sites: dict[str, Site]
) -> None:
    assert register(front, secret, "SK-1", site="cp-east")[0] == 404  # unknown: kept too
    services.site_create(
        actor=ARMS_MANAGER, code="cp-east", name="East", kind="collection_point", region="north"
    )
    assert register(front, secret, "SK-2", site="cp-east")[0] == 201
    empty = services.site_create(
        actor=ARMS_MANAGER, code="cp-west", name="West", kind="collection_point", region="north"
    )
    assert selectors.site_kept("cp-west") is not None  # kept, never registered at: deletable
    services.site_delete(actor=ARMS_MANAGER, site=empty, reason="a mistake")
    assert register(front, secret, "SK-3", site="cp-west")[0] == 404


def test_nothing_is_kept_inside_a_transaction(sites: dict[str, Site]) -> None:
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        selectors.site_kept("cp-north")
        selectors.site_kept("cp-north")
    assert len([q for q in queries if SITE_ROW in q["sql"]]) == 2


def test_the_kept_sites_can_be_turned_off(sites: dict[str, Site], settings: Any) -> None:
    settings.LAYDOWN_TOKEN_CACHE_SECONDS = 0
    with CaptureQueriesContext(connection) as queries:
        selectors.site_kept("cp-north")
        selectors.site_kept("cp-north")
    assert len([q for q in queries if SITE_ROW in q["sql"]]) == 2

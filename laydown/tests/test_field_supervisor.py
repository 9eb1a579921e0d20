"""A field supervisor enrols devices and works the review queue of their own sites only.

The role holds `field.device_manage` and `field.review` scoped like the registry's actions: a
grant at a site covers that site, a grant for a region its sites. Run on SQLite and, with the
rest of the suite, on PostgreSQL.
"""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from laydown.access.web import principal_for_user
from laydown.accounts.models import User
from laydown.arms import services as arms
from laydown.arms.models import Item, Site
from laydown.field import selectors, services
from laydown.field.models import Device, Submission
from laydown.fixtures import ARMS_MANAGER
from laydown.ledger.models import Record
from laydown.testing import (
    assert_error,
    bearer,
    post_json,
    signed_in,
    token_for,
    user_with_role,
)
from laydown.testing.field import WEAPON, submission

SUPERVISOR = "field_supervisor"
SYNC = "/api/v1/field/submissions"


@pytest.fixture
def cp_south(sites: dict[str, Site]) -> Site:
    return arms.site_create(
        actor=ARMS_MANAGER,
        code="cp-south",
        name="Collection point South",
        kind="collection_point",
        region="south",
    )


@pytest.fixture
def staff(cp_south: Site) -> dict[str, User]:
    return {
        "sup": user_with_role("sup-north", SUPERVISOR, "site:cp-north"),
        "sup-region": user_with_role("sup-region", SUPERVISOR, "region:north"),
        "clerk-north": user_with_role("clerk-north", "collection_clerk", "site:cp-north"),
        "clerk-south": user_with_role("clerk-south", "collection_clerk", "site:cp-south"),
        "manager": user_with_role("boss", "programme_manager"),
    }


def _enrol(by: User, user: User, name: str) -> tuple[Device, str]:
    return services.device_enrol(actor=principal_for_user(by), user=user, name=name)


@pytest.mark.django_db
def test_a_supervisor_enrols_a_device_for_a_clerk_of_their_site_and_not_of_another(
    staff: dict[str, User],
) -> None:
    page = signed_in(staff["sup"])
    form = page.get("/field/devices/").content.decode()
    assert 'value="clerk-north"' in form and 'value="clerk-south"' not in form

    made = page.post("/field/devices/", {"user": "clerk-north", "name": "tablet 1"})
    assert made.status_code == 200 and b"/field/enrol/#ldt_" in made.content
    refused = page.post("/field/devices/", {"user": "clerk-south", "name": "tablet 2"})
    assert refused.status_code == 403
    why = html.unescape(refused.content.decode())
    assert "clerk-south works at site:cp-south, outside your sites (site:cp-north)" in why

    api = bearer(token_for(staff["sup"], ["field.device_manage"]))
    answer = post_json(
        Client(), "/api/v1/field/devices", {"user": "clerk-north", "name": "tablet 3"}, headers=api
    )
    assert answer.status_code == 201, answer.content
    error = assert_error(
        post_json(
            Client(),
            "/api/v1/field/devices",
            {"user": "clerk-south", "name": "tablet 4"},
            headers=api,
        ),
        403,
        "forbidden",
    )
    assert "outside your sites" in error["message"]
    assert set(Device.objects.values_list("name", flat=True)) == {"tablet 1", "tablet 3"}

    # a grant for the region covers the clerks of its sites
    _enrol(staff["sup-region"], staff["clerk-north"], "tablet 5")

    # the list and revocation: the devices of one's own users only
    south, _secret = _enrol(staff["manager"], staff["clerk-south"], "tablet south")
    listed = Client().get("/api/v1/field/devices", headers=api).json()
    assert {d["name"] for d in listed} == {"tablet 1", "tablet 3", "tablet 5"}
    assert (
        page.post(f"/field/devices/{south.public_id}/revoke/", {"reason": "x"}).status_code == 403
    )
    assert Device.objects.get(pk=south.pk).revoked_at is None
    manager_list = signed_in(staff["manager"]).get("/field/devices/").content.decode()
    assert "tablet south" in manager_list and "tablet 1" in manager_list


def _held(secret: str, serial: str, site: str) -> str:
    body = submission("arms.weapon", {**WEAPON, "site": site, "serial": serial})
    answer = post_json(Client(), SYNC, body, headers=bearer(secret))
    assert answer.status_code == 202, answer.content
    return str(body["id"])


@pytest.mark.django_db
def test_a_supervisor_sees_and_decides_only_the_held_submissions_of_their_sites(
    staff: dict[str, User], sites: dict[str, Site]
) -> None:
    # the same serials were registered meanwhile elsewhere: both uploads wait for review
    for serial in ("DUP-N", "DUP-S"):
        arms.item_collect(
            actor=ARMS_MANAGER,
            site=sites["cp-north"],
            **{k: v for k, v in WEAPON.items() if k != "site"},
            serial=serial,
        )
    _north, north_secret = _enrol(staff["sup"], staff["clerk-north"], "tablet north")
    _south, south_secret = _enrol(staff["manager"], staff["clerk-south"], "tablet south")
    north = _held(north_secret, "DUP-N", "cp-north")
    south = _held(south_secret, "DUP-S", "cp-south")
    assert dict(Submission.objects.values_list("id", "site")) == {
        Submission.objects.get(id=north).id: "cp-north",
        Submission.objects.get(id=south).id: "cp-south",
    }

    sup = signed_in(staff["sup"])
    api = bearer(token_for(staff["sup"], ["field.review", "arms.item_register"]))
    queue = Client().get("/api/v1/field/review", headers=api).json()
    assert [q["submission"] for q in queue] == [north]
    listed = sup.get("/field/review/").content.decode()
    assert north in listed and south not in listed
    assert sup.get(f"/field/review/{north}/").status_code == 200
    other = sup.get(f"/field/review/{south}/")
    assert other.status_code == 403
    assert "site:cp-north" in html.unescape(other.content.decode())
    manager_queue = signed_in(staff["manager"]).get("/api/v1/field/review").json()
    assert {q["submission"] for q in manager_queue} == {north, south}

    # another site's: refused in words, on the page, through the API and in the service
    refused = sup.post(f"/field/review/{south}/", {"decision": "accept", "note": "mine"})
    assert refused.status_code == 403
    error = assert_error(
        post_json(
            Client(),
            f"/api/v1/field/review/{south}/decision",
            {"decision": "reject", "note": "not mine"},
            headers=api,
        ),
        403,
        "forbidden",
    )
    assert "site:cp-north" in error["message"]
    with pytest.raises(PermissionDenied):
        services.submission_decide(
            actor=principal_for_user(staff["sup"]),
            submission=Submission.objects.get(id=south),
            decision="reject",
            note="not mine",
        )
    assert Submission.objects.get(id=south).status == "needs_review"
    assert Item.objects.filter(serial="DUP-S").count() == 1

    # their own: accepted, the weapon written by the supervisor, the decision theirs
    decided = post_json(
        Client(),
        f"/api/v1/field/review/{north}/decision",
        {"decision": "accept", "note": "Another rifle: the first was handed in at the border"},
        headers=api,
    )
    assert decided.status_code == 200, decided.content
    assert decided.json()["status"] == "accepted"
    assert Item.objects.filter(serial="DUP-N").count() == 2
    last = Record.objects.order_by("-index").first()
    assert last is not None and last.kind == "field.submission_decided"
    assert last.actor == staff["sup"].pseudonym
    assert last.data["decision"] == "accept" and last.data["result"]["tag"]
    row = Submission.objects.get(id=north)
    assert row.status == "accepted" and row.decided_by == staff["sup"].pseudonym


@pytest.mark.django_db
def test_a_held_registration_waits_in_its_regions_queue(staff: dict[str, User]) -> None:
    """Demobilization registrations are scoped by region: a supervisor of the region sees one
    held there, a supervisor of a site (in that region) does not."""
    _device, secret = _enrol(staff["manager"], staff["manager"], "manager's phone")
    services.device_revoke(
        actor=principal_for_user(staff["manager"]),
        device=Device.objects.get(name="manager's phone"),
        reason="lost",
    )
    body = submission("people.registration", {"region": "north", "category": "ex_combatant"})
    assert post_json(Client(), SYNC, body, headers=bearer(secret)).status_code == 202
    row = Submission.objects.get(id=body["id"])
    assert (row.site, row.region) == ("", "north")
    region = principal_for_user(staff["sup-region"])
    site = principal_for_user(staff["sup"])
    assert list(selectors.review_queue(principal=region)) == [row]
    assert list(selectors.review_queue(principal=site)) == []


@pytest.mark.django_db
def test_the_users_a_supervisor_manages_are_found_in_a_few_queries_however_many(
    staff: dict[str, User], django_assert_max_num_queries: Any
) -> None:
    for n in range(20):
        user_with_role(f"clerk-n{n}", "collection_clerk", "site:cp-north")
        user_with_role(f"clerk-s{n}", "collection_clerk", "site:cp-south")
    supervisor = principal_for_user(staff["sup-region"])
    with django_assert_max_num_queries(4):
        managed = selectors.users_managed(supervisor)
        assert managed is not None
        names = set(managed.values_list("username", flat=True))
    # the supervisors of the north do field work there too
    expected = {"clerk-north", "sup-north", "sup-region", *(f"clerk-n{n}" for n in range(20))}
    assert names == expected
    assert selectors.users_managed(principal_for_user(staff["manager"])) is None

"""Walk every list with every role granted for one region: nothing of another region shows.

The permission walk (test_permission_walk.py) checks who may reach each URL with programme-wide
grants. This walk checks *what* a scoped grant shows: records are made in a northern and a
southern region (sites, weapons, participants, a payment cycle), then each role, granted for
region `north` only, requests every page and API operation that lists (GET, no path
parameter, plus the payment cycle's detail, whose lines are a list) and must meet none of the
southern records' identifiers, wherever the action is scoped in the permission matrix.

An action that is not scoped shows its records to any grant of its roles; such actions are
listed in PROGRAMME_LEVEL with the reason, and the walk fails on an unscoped action that shows
southern records without one.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from laydown.access.permissions import ACTIONS, ANYONE, SIGNED_IN, Principal
from laydown.access.roles import Role
from laydown.accounts import services as accounts
from laydown.accounts.models import User
from laydown.arms import services as arms
from laydown.people import services as people
from laydown.testing import YES
from laydown.testing.walk import (
    Endpoint,
    SignedInAgain,
    collect,
    make_user,
    request,
    signed_in,
)

pytestmark = pytest.mark.django_db

PROGRAMME_LEVEL: dict[str, str] = {
    # An action here shows every region's records to any grant of its roles, by design.
}

CYCLE = "2026-06"
EXTRA = {"api:people_cycle_detail": {"code": CYCLE}, "people:cycle": {"code": CYCLE}}


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _programme(role: str) -> Principal:
    return Principal(
        user_id=1, pseudonym=f"u-seed-{role}", organisation_id=1, grants=((role, "programme"),)
    )


@pytest.fixture
def markers() -> dict[str, set[str]]:
    """Records in regions north and south; the identifiers of each region's."""
    accounts.org_create(actor=accounts.SYSTEM, code="walk", name="Walk", kind="operator")
    manager, clerk = _programme(Role.PROGRAMME_MANAGER), _programme(Role.COLLECTION_CLERK)
    registrar = _programme(Role.REGISTRAR)
    found: dict[str, set[str]] = {"north": set(), "south": set()}
    for region, code in (("north", "depot-north"), ("south", "depot-zulu")):
        site = arms.site_create(
            actor=manager, code=code, name=f"Depot {region}", kind="storage_depot", region=region
        )
        item = arms.item_collect(
            actor=clerk,
            site=site,
            category="sa_assault_rifle",
            make="Kalashnikov",
            model="AKM",
            serial=f"SER{region.upper()}77",
            condition="serviceable",
        )
        person = people.person_check(
            name=f"Person of {region}",
            born="1990-04-02",
            sex="m",
            category="combatant",
            region=region,
            dependants=1,
        )
        p = people.participant_register(actor=registrar, person=person)
        p = people.participant_screen(
            actor=registrar, participant=p, answers=YES, decision="eligible"
        )
        people.id_cards_issue(actor=registrar, participants=[p])
        found[region] |= {code, item.tag, f"SER{region.upper()}77", p.pk}
        found[f"{region}-item"] = {item.tag}
        other = Principal(
            user_id=2,
            pseudonym=f"u-registrar-not-{region}",
            organisation_id=1,
            grants=((Role.REGISTRAR, "region:elsewhere"),),
        )
        with pytest.raises(PermissionDenied):  # a refusal naming the participant is recorded
            people.personal_data_read(
                actor=other, participant=p, categories=["identity"], purpose="walk"
            )
    people.payment_cycle_approve(
        actor=manager, cycle=people.payment_cycle_draft(actor=manager, cycle=CYCLE)
    )
    return found


def _lists() -> list[Endpoint]:
    found = [e for e in collect()[0] if e.method == "GET" and (not e.parameters or e.name in EXTRA)]
    return [e for e in found if e.action and ACTIONS[e.action].audience not in (ANYONE,)]


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def _url(endpoint: Endpoint) -> str:
    from django.urls import reverse

    return reverse(endpoint.name, kwargs=EXTRA.get(endpoint.name, {}))


SCOPED_ROLES = sorted(
    {
        role
        for a in ACTIONS.values()
        if a.scoped and a.audience not in (ANYONE, SIGNED_IN)
        for role in a.roles
    }
)


@pytest.mark.parametrize("role", SCOPED_ROLES)
def test_a_role_granted_for_one_region_lists_nothing_of_another(
    client: Client, markers: dict[str, set[str]], role: str
) -> None:
    user: User = make_user(f"north-{role}", None)
    accounts.role_grant(actor=accounts.SYSTEM, user=user, role=role, scope="region:north")
    leaks, north_seen = [], set()
    sign_in = SignedInAgain(client, user)
    for endpoint in _lists():
        sign_in()
        response = request(client, dataclasses.replace(endpoint), _url(endpoint))
        if response.status_code != 200:
            continue
        body = _body(response)
        north_seen |= {m for m in markers["north"] if m in body}
        seen = sorted(m for m in markers["south"] if m in body)
        action = ACTIONS[endpoint.action or ""]
        if seen and (action.scoped or endpoint.action not in PROGRAMME_LEVEL):
            leaks.append(f"{role}@region:north: {endpoint} ({endpoint.action}) shows {seen}")
    assert not leaks, "\n".join(leaks)
    assert north_seen, f"{role}@region:north saw no record of its own region: the walk is blind"


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OBSERVER, Role.AUDITOR])
def test_an_item_bundle_of_another_region_looks_absent(
    client: Client, markers: dict[str, set[str]], role: str
) -> None:
    from django.urls import reverse

    user: User = make_user(f"north-{role}", None)
    accounts.role_grant(actor=accounts.SYSTEM, user=user, role=role, scope="region:north")
    for name in ("verification:item_bundle", "api:verification_item_bundle"):
        for region, wanted in (("north", 200), ("south", 404)):
            (tag,) = markers[f"{region}-item"]
            signed_in(client, user)
            got = client.get(reverse(name, kwargs={"tag": tag})).status_code
            assert got == wanted, f"{role}@region:north: {name} of the {region}ern item: {got}"


def test_a_manager_of_one_region_creates_sites_and_containers_there_only(
    markers: dict[str, set[str]],
) -> None:
    from laydown.arms.models import Site

    north = Principal(
        user_id=3,
        pseudonym="u-manager-north",
        organisation_id=1,
        grants=((Role.PROGRAMME_MANAGER, "region:north"),),
    )
    with pytest.raises(PermissionDenied):
        arms.site_create(
            actor=north, code="cp-zulu-2", name="X", kind="storage_depot", region="south"
        )
    with pytest.raises(PermissionDenied):
        arms.container_create(actor=north, site=Site.objects.get(code="depot-zulu"), code="z-c1")
    arms.site_create(actor=north, code="cp-north-2", name="Y", kind="storage_depot", region="north")
    arms.container_create(actor=north, site=Site.objects.get(code="depot-north"), code="n-c1")

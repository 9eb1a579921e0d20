"""The demo programme, walked: every page and API read for a sample of every kind of the demo's
objects (laydown.testing.demo_walk says how they are sampled), as every demo user allowed to
see it and as an anonymous visitor, answers without a server error; and no demo user following
the links of the pages it reaches meets a 403 (laydown.testing.walk.dead_ends)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.test import Client
from django.urls import reverse

from laydown.access.permissions import ACTIONS
from laydown.accounts import demo as accounts_demo
from laydown.accounts.models import RoleGrant, User
from laydown.arms.models import Shipment, Site
from laydown.people.models import DuplicateFlag
from laydown.testing import languages
from laydown.testing.demo_walk import DEMO_KWARGS, demo_loaded_once, server_errors, urls_of, walked
from laydown.testing.shapes import PARTICIPANT_SHAPES, PEOPLE, participants
from laydown.testing.walk import ANONYMOUS, collect, dead_ends

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo_output(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[list[str]]:
    """The demo loaded once for this module, in a transaction rolled back after its last test
    (each test runs in a savepoint inside it, as Django's setUpTestData does)."""
    with demo_loaded_once(django_db_blocker, tmp_path_factory.mktemp("witnesses")) as out:
        yield out


def test_every_parameterised_page_has_demo_objects_to_walk() -> None:
    endpoints, _problems = collect()
    missing = [str(e) for e in walked(endpoints) if e.parameters and e.name not in DEMO_KWARGS]
    assert missing == [], "add them to DEMO_KWARGS in laydown/testing/demo_walk.py"


def test_the_demo_prints_the_password_of_every_user_it_creates(demo_output) -> None:
    printed = "\n".join(demo_output)
    for user in User.objects.all():
        assert accounts_demo.demo_password(user.username) in printed, user.username


def test_every_depot_of_the_demo_has_a_custodian_to_receive_its_shipments(demo_output) -> None:
    custodians = set(RoleGrant.objects.filter(role="custodian").values_list("scope", flat=True))
    for depot in Site.objects.filter(kind="storage_depot"):
        assert {"programme", f"site:{depot.code}", f"region:{depot.region}"} & custodians, depot
    assert Shipment.objects.exists()


def test_the_walks_visit_a_participant_of_every_shape_the_demo_holds(demo_output) -> None:
    """Whatever the run's random pseudonyms, the demo walk and the language walk meet a
    participant with a duplicate flag (decided and awaiting a decision), an appeal (decided
    and pending), a referral followed up, a payment, a dependant ..."""
    assert DuplicateFlag.objects.filter(status="same").exists()
    assert DuplicateFlag.objects.filter(status="open").exists()
    sampled = [k["pseudonym"] for k in PEOPLE()]
    rows = participants().filter(pk__in=sampled)
    held = {"erased": False}  # the demo erases nobody
    for shape in PARTICIPANT_SHAPES:
        assert participants().filter(**{shape: True}).exists() == held.get(shape, True), shape
        assert rows.filter(**{shape: True}).exists() == held.get(shape, True), shape
        assert rows.filter(**{shape: False}).exists(), shape
    statuses = set(participants().values_list("status", flat=True))
    assert {"duplicate", "registered", "appealed", "eligible", "ineligible"} <= statuses
    assert set(rows.values_list("status", flat=True)) == statuses
    pages = languages.demo_pages()
    assert {reverse("people:person", kwargs={"pseudonym": p}) for p in sampled} <= set(pages)


def test_every_page_of_every_kind_of_demo_object_answers_every_allowed_user(demo_output) -> None:
    endpoints, _problems = collect()
    urls = {e: urls_of(e) for e in walked(endpoints) if e.action in ACTIONS}
    assert sum(map(len, urls.values())) > 400
    started, errors, requests = time.monotonic(), [], 0
    client = Client()
    walkers = [(None, ANONYMOUS)] + [
        (User.objects.get(username=username), role)
        for username, _org, role, _scope in accounts_demo.USERS
    ]
    for user, walker in walkers:
        found, made = server_errors(client, user, walker, urls)
        errors += found
        requests += made
    print(f"demo walk: {requests} requests in {time.monotonic() - started:.0f} s")
    assert errors == [], "\n".join(errors)


def test_no_demo_user_meets_a_link_or_a_button_it_may_not_open(demo_output) -> None:
    """Each demo user, from the home page, follows the links of every page it reaches (the
    header, each app's sub-menu, the action links of a sample of each kind of object's pages)
    and none answers 403; no form on them posts to a page the user may not open."""
    client = Client()
    found = []
    for username, _org, _role, _scope in accounts_demo.USERS:
        found += dead_ends(
            client, User.objects.get(username=username), username, ["/"], per_shape=3
        )
    assert found == [], "\n".join(found)

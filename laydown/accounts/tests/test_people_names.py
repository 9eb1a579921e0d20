"""Users shown by their name where the viewer may see it, else by role and pseudonym
(accounts.selectors.PeopleDirectory, `{% person %}`; docs/security.md, "Names of users")."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from laydown.access.roles import OrgKind
from laydown.access.web import principal_for_user
from laydown.accounts import services
from laydown.accounts.models import User
from laydown.testing import PASSWORD, organisation, signed_in

pytestmark = pytest.mark.django_db

TAGS = Template("{% load laydown_people %}{% for p in pseudonyms %}{% person p %};{% endfor %}")


def named(username: str, name: str, org: str, role: str, kind: str = OrgKind.OPERATOR) -> User:
    organisation(org, kind)
    user = services.user_create(
        actor=services.SYSTEM, username=username, password=PASSWORD, organisation=org, name=name
    )
    services.role_grant(actor=services.SYSTEM, user=user, role=role, scope="programme")
    return user


def shown(viewer: Any, *pseudonyms: str) -> str:
    request = RequestFactory().get("/")
    request.user = viewer
    return TAGS.render(Context({"request": request, "pseudonyms": pseudonyms}))


@pytest.fixture
def people() -> dict[str, User]:
    return {
        "clerk": named("clerk", "Leyla Huseynova", "operator", "collection_clerk"),
        "manager": named("manager", "Armen Sargsyan", "operator", "programme_manager"),
        "observer": named(
            "observer", "Ingrid Halvorsen", "nordland", "observer", OrgKind.OBSERVER_DELEGATION
        ),
        "partner": named(
            "partner", "Marie Dubois", "relief", "partner_staff", OrgKind.HUMANITARIAN_PARTNER
        ),
    }


def test_the_operators_staff_see_everyones_name(people: dict[str, User]) -> None:
    page = shown(people["manager"], people["clerk"].pseudonym, people["observer"].pseudonym)
    assert "Leyla Huseynova" in page and "Ingrid Halvorsen" in page
    assert f'title="{people["clerk"].pseudonym}"' in page  # the pseudonym, on hover


def test_an_observer_sees_the_operators_staff_by_role_and_pseudonym(
    people: dict[str, User],
) -> None:
    clerk = people["clerk"]
    page = shown(people["observer"], clerk.pseudonym, people["observer"].pseudonym)
    assert "Leyla Huseynova" not in page
    assert f"Collection clerk <code>{clerk.pseudonym}</code>" in page
    assert "Ingrid Halvorsen" in page  # herself


def test_a_partner_sees_its_own_colleagues_by_name_and_nobody_elses(
    people: dict[str, User],
) -> None:
    colleague = named("partner-2", "Jean Martin", "relief", "partner_staff")
    page = shown(people["partner"], colleague.pseudonym, people["manager"].pseudonym)
    assert "Jean Martin" in page and "Armen Sargsyan" not in page


def test_a_visitor_who_is_not_signed_in_sees_no_name(people: dict[str, User]) -> None:
    page = shown(AnonymousUser(), people["clerk"].pseudonym)
    assert "Leyla" not in page and people["clerk"].pseudonym in page


def test_the_role_is_in_the_viewers_language(people: dict[str, User]) -> None:
    with translation.override("ru"):
        page = shown(people["observer"], people["clerk"].pseudonym)
    assert "Collection clerk" not in page and people["clerk"].pseudonym in page


def test_an_actor_that_is_no_user_is_shown_as_it_is(people: dict[str, User]) -> None:
    assert shown(people["manager"], "system") == "system;"


def test_a_user_without_a_name_is_shown_by_username(people: dict[str, User]) -> None:
    nameless = named("nameless", "", "operator", "custodian")
    assert "nameless" in shown(people["manager"], nameless.pseudonym)


def test_a_long_list_costs_no_more_queries_than_a_short_one(people: dict[str, User]) -> None:
    users = [named(f"clerk-{n}", f"Clerk {n}", "operator", "collection_clerk") for n in range(30)]
    viewer = User.objects.get(pk=people["observer"].pk)  # a fresh row: nothing cached on it
    short = [u.pseudonym for u in users[:2]]
    long = [users[n % 30].pseudonym for n in range(600)]
    with CaptureQueriesContext(connection) as few:
        shown(viewer, *short)
    viewer = User.objects.get(pk=people["observer"].pk)
    with CaptureQueriesContext(connection) as many:
        page = shown(viewer, *long)
    assert page.count("<code>") == 600
    assert len(many) == len(few) <= 3, [q["sql"] for q in many.captured_queries]


def test_an_items_page_names_its_collector_to_the_operator_and_not_to_an_observer(
    people: dict[str, User], collect: Any, fast_password_hashing: None
) -> None:
    item = collect(actor=principal_for_user(people["clerk"]))
    url = reverse("arms:item", args=[item.tag])
    as_manager = signed_in(people["manager"]).get(url).content.decode()
    assert "Leyla Huseynova" in as_manager
    as_observer = signed_in(people["observer"]).get(url).content.decode()
    assert "Leyla Huseynova" not in as_observer and people["clerk"].pseudonym in as_observer


def test_nobody_yet_is_shown_as_nothing(people: dict[str, User]) -> None:
    assert shown(people["manager"], "") == ";"

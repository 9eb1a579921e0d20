"""No dead ends: as each role, every page's links, menus and buttons lead to pages that let the
user in. Each role (one user per role, granted for the whole programme, plus a signed-in user
without roles) opens every page it may open, follows every link and search form of each page it
reaches (menus, sub-menus, action links), and checks every form that posts somewhere against the
action the target's view declares (`web.may_open`, not posted: that would change data). A link
or button that answers 403 is a dead end the page should not offer; the view still refuses."""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path, reverse

from laydown.access.roles import OrgKind, Role
from laydown.access.web import requires
from laydown.accounts import services
from laydown.accounts.models import User
from laydown.testing.walk import (
    NO_ROLE,
    collect,
    dead_ends,
    expected_allowed,
    make_user,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

ENDPOINTS, _PROBLEMS = collect()
# Pages one opens without parameters: where a walk starts (the others are reached by links).
STARTS = [e for e in ENDPOINTS if not e.is_api and not e.parameters]


@pytest.fixture
def users() -> dict[str, User]:
    services.org_create(actor=services.SYSTEM, code="walk", name="Walk", kind=OrgKind.OPERATOR)
    found = {NO_ROLE: make_user("walker-no-role", None)}
    for role in Role.values:
        found[role] = make_user(f"walker-{role}", role)
    return found


@pytest.mark.parametrize("walker", [NO_ROLE, *Role.values])
def test_no_page_offers_a_link_or_a_button_its_user_may_not_open(
    client: Client, users: dict[str, User], walker: str
) -> None:
    starts = [
        reverse(e.name)
        for e in STARTS
        if e.action and expected_allowed(e.action, walker) and e.method == "GET"
    ]
    found = dead_ends(client, users[walker], walker, starts)
    assert not found, "\n".join(found)


@requires("people.read")
def linking_to_registration(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f'<nav><a href="{reverse("people:register")}">Register</a></nav>')


@requires("people.read")
def posting_to_registration(request: HttpRequest) -> HttpResponse:
    register = reverse("people:register")
    return HttpResponse(
        f'<form method="post" action="{register}"><button>Register</button></form>'
        f'<form method="post" action="{register}"><table></table></form>'  # no button: not offered
    )


urlpatterns = [
    path("", include("laydown.urls")),
    path("dead-end/link/", linking_to_registration, name="dead_end_link"),
    path("dead-end/form/", posting_to_registration, name="dead_end_form"),
]


@pytest.mark.urls(__name__)
def test_the_walk_finds_a_link_or_a_form_to_a_page_that_refuses(
    client: Client, users: dict[str, User]
) -> None:
    """An auditor reads participants but may not register them: pages offering it fail."""
    starts = [reverse("dead_end_link"), reverse("dead_end_form")]
    found = dead_ends(client, users[Role.AUDITOR], Role.AUDITOR, starts)
    assert found == [
        "auditor: /dead-end/link/ -> /people/register/ (people:register): 403",
        "auditor: /dead-end/form/ -> a form posting to /people/register/ (people:register)",
    ]

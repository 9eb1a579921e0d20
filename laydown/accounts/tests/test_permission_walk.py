"""Walk every URL and every API operation with every role, against the permission matrix.

Every page must wear `@requires(action)` and every API operation `@api_action(action)`, with
an action from `permissions.ACTIONS`; a new URL without one fails here, naming the URL. Then
each role (one user per role, granted for the whole programme, plus a signed-in user without
roles, plus anonymous visitors) requests every URL, and what it gets must be what
docs/permissions.md says: allowed means anything but a refusal; refused means 403 for
signed-in users and, for anonymous ones, 401 from the API or the sign-in page for pages; and a
refusal never adds to the ledger.
"""

from __future__ import annotations

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path, reverse
from ninja import NinjaAPI

from laydown.access.permissions import ACTIONS, ANYONE, is_allowed
from laydown.access.roles import SECOND_FACTOR_ROLES, OrgKind, Role
from laydown.access.web import principal_for_user
from laydown.accounts import services
from laydown.accounts.models import ApiToken, User
from laydown.testing.walk import (
    NO_ROLE,
    WALKERS,
    Endpoint,
    Samples,
    collect,
    expected_allowed,
    make_user,
    request,
    signed_in,
    url_of,
    walk,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

ENDPOINTS, PROBLEMS = collect()


# ---- fixtures: one organisation, one user per role, and the records URLs point at ----


@pytest.fixture
def walk_org() -> str:
    services.org_create(actor=services.SYSTEM, code="walk", name="Walk", kind=OrgKind.OPERATOR)
    return "walk"


@pytest.fixture
def samples(walk_org: str) -> Samples:
    target = make_user("target", Role.COLLECTION_CLERK)
    token, _secret = services.token_create(
        actor=principal_for_user(target), name="sample", actions=["account.profile"], days=5
    )
    return Samples(org_code=walk_org, user=target, token_id=token.public_id)


@pytest.fixture
def users(walk_org: str) -> dict[str, User]:
    found = {NO_ROLE: make_user("walker-no-role", None)}
    for role in Role.values:
        found[role] = make_user(f"walker-{role}", role)
    return found


# ---- the tests ----


def test_every_url_declares_an_action_from_the_matrix_and_can_be_walked() -> None:
    assert not PROBLEMS, "\n".join(PROBLEMS)


def test_the_walk_reaches_the_pages_and_the_api() -> None:
    names = {e.name for e in ENDPOINTS}
    assert {"home", "ledger:checkpoint", "api:me", "api:organisation_detail"} <= names


def undeclared_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("no action")


undeclared_api = NinjaAPI(urls_namespace="undeclared-api")


@undeclared_api.get("/thing", url_name="thing")
def undeclared_operation(request: HttpRequest) -> dict[str, str]:
    return {}


urlpatterns = [
    path("", include("laydown.urls")),
    path("undeclared/", undeclared_view, name="undeclared"),
    path("undeclared/<int:n>/", undeclared_view, name="undeclared_with_parameter"),
    path("undeclared-api/", undeclared_api.urls),
]


def test_a_new_page_or_api_operation_without_an_action_fails_the_walk() -> None:
    _endpoints, problems = collect(__name__)
    text = "\n".join(problems)
    assert "GET /undeclared/ (undeclared) declares no action" in text
    assert "/undeclared-api/thing (undeclared-api:thing) declares no action" in text
    assert "(undeclared_with_parameter) has parameters ('n',) but no entry" in text


@pytest.mark.parametrize("walker", WALKERS)
def test_each_role_gets_what_the_matrix_says_on_every_url(
    client: Client, users: dict[str, User], samples: Samples, walker: str
) -> None:
    def expect(endpoint: Endpoint) -> bool:
        return expected_allowed(endpoint.action or "", walker)

    mismatches = walk(client, users.get(walker), samples, walker, ENDPOINTS, expect)
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("walker", [NO_ROLE, *Role.values])
def test_a_token_with_all_of_a_roles_actions_gets_what_the_session_gets(
    client: Client, users: dict[str, User], samples: Samples, walker: str
) -> None:
    principal = principal_for_user(users[walker])
    actions = [name for name in ACTIONS if is_allowed(principal, name)]
    _token, secret = services.token_create(actor=principal, name="all", actions=actions, days=1)

    def expect(endpoint: Endpoint) -> bool:
        return expected_allowed(endpoint.action or "", walker)

    api = [e for e in ENDPOINTS if e.is_api]
    mismatches = walk(client, None, samples, walker, api, expect, Authorization=f"Bearer {secret}")
    assert not mismatches, "\n".join(mismatches)


def test_a_token_is_refused_every_operation_outside_its_actions(
    client: Client, users: dict[str, User], samples: Samples
) -> None:
    admin = users[Role.ADMIN]
    _token, secret = services.token_create(
        actor=principal_for_user(admin), name="narrow", actions=["account.profile"], days=1
    )

    def expect(endpoint: Endpoint) -> bool:
        return (
            endpoint.action == "account.profile"
            or ACTIONS[endpoint.action or ""].audience == ANYONE
        )

    api = [e for e in ENDPOINTS if e.is_api]
    mismatches = walk(
        client, None, samples, Role.ADMIN, api, expect, Authorization=f"Bearer {secret}"
    )
    assert not mismatches, "\n".join(mismatches)
    assert ApiToken.objects.filter(revoked_at=None, public_id=samples.token_id).exists()


@pytest.mark.parametrize("role", sorted(SECOND_FACTOR_ROLES))
def test_roles_needing_a_second_factor_are_sent_to_confirm_it_first(
    client: Client, users: dict[str, User], samples: Samples, role: str
) -> None:
    gated = [e for e in ENDPOINTS if e.action and ACTIONS[e.action].audience != ANYONE]
    second_factor_url = (
        reverse("accounts:second_factor") if any(not e.is_api for e in gated) else ""
    )
    mismatches = []
    for endpoint in gated:
        signed_in(client, users[role], second_factor=False)
        response = request(client, endpoint, url_of(endpoint, samples))
        if endpoint.is_api:
            ok = response.status_code == 401 and b"second_factor_required" in response.content
        else:
            ok = response.status_code == 302 and response["Location"] == second_factor_url
        if not ok:
            mismatches.append(f"{role}: {endpoint} gave {response.status_code}")
    assert not mismatches, "\n".join(mismatches)

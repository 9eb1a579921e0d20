"""Schemathesis over the whole API, with a powerful token and a weak one.

For every operation of the OpenAPI document, a bounded number of generated requests (valid
and invalid ones); each answer must be no 5xx, have a documented status code and content
type, and match the documented schema; invalid input must be refused. Schema-valid requests
may still be refused (a random tag does not exist, a clerk may not grant roles), so the
check that they are accepted is left out. Runs on SQLite in `make pytest`.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from laydown.access.permissions import ACTIONS, is_allowed
from laydown.access.web import principal_for_user
from laydown.accounts import services as accounts
from laydown.accounts.models import User
from laydown.arms import services as arms_services
from laydown.fixtures import ARMS_MANAGER as MANAGER
from laydown.testing import FAST_HASHERS, user_with_role
from laydown.wsgi import application

pytestmark = pytest.mark.api_fuzz

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

EXAMPLES = 10  # per operation and token: ~100 operations x 2 tokens
POWERFUL_ROLES = ("admin", "programme_manager", "custodian", "registrar", "auditor", "observer")


def _token(user: User) -> str:
    actor = principal_for_user(user)
    actions = [a for a in ACTIONS if is_allowed(actor, a)]
    _t, secret = accounts.token_create(actor=actor, name="fuzz", actions=actions, days=1)
    return secret


@pytest.fixture
def tokens(connections_kept: None, db: None, settings: Any) -> dict[str, str]:
    """A programme-wide user of six roles, and a clerk of one collection point."""
    settings.PASSWORD_HASHERS = FAST_HASHERS
    powerful = user_with_role("powerful", POWERFUL_ROLES[0])
    for role in POWERFUL_ROLES[1:]:
        accounts.role_grant(actor=accounts.SYSTEM, user=powerful, role=role, scope="programme")
    weak = user_with_role("weak", "collection_clerk", scope="site:cp-north")
    arms_services.site_create(
        actor=MANAGER, code="cp-north", name="North", kind="collection_point", region="north"
    )
    return {"powerful": _token(powerful), "weak": _token(weak)}


@pytest.mark.parametrize("who", ["powerful", "weak"])
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api(case: Any, who: str, tokens: dict[str, str]) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {tokens[who]}"},
        excluded_checks=[positive_data_acceptance],
    )

"""The permission walk of the OpenRosa endpoints, which take no session and no API token but an
enrolled device's credential (the general walk, laydown/accounts/tests, leaves them out): per
role, through a device enrolled for a user with that role, every endpoint answers what the
matrix says, the form list holds exactly the forms the role may submit, and without a device
every endpoint asks for credentials (401)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from laydown.access.permissions import is_allowed
from laydown.access.roles import Role
from laydown.access.web import principal_for_user
from laydown.arms.models import Site
from laydown.core.errors import ValidationError
from laydown.field import kinds, services
from laydown.testing import user_with_role
from laydown.testing.openrosa import call
from laydown.testing.walk import NO_ROLE, SAMPLE_KWARGS, collect

ENDPOINTS, PROBLEMS = collect(devices=True)


def test_the_device_endpoints_are_found_and_walkable() -> None:
    assert not PROBLEMS, "\n".join(PROBLEMS)
    assert {e.name for e in ENDPOINTS} == {
        "openrosa:form_list",
        "openrosa:form_download",
        "openrosa:form_manifest",
        "openrosa:form_media",
        "openrosa:submission",
    }
    assert all(e.action == "field.sync" for e in ENDPOINTS)


def _url(endpoint: object) -> str:
    from django.urls import reverse

    name = endpoint.name  # type: ignore[attr-defined]
    kwargs = SAMPLE_KWARGS[name](None) if endpoint.parameters else {}  # type: ignore[arg-type,attr-defined]
    return reverse(name, kwargs=kwargs)


@pytest.mark.django_db
def test_without_a_device_every_endpoint_asks_for_credentials(sites: dict[str, Site]) -> None:
    for endpoint in ENDPOINTS:
        response = Client().get(_url(endpoint))
        assert response.status_code == 401, endpoint
        assert response["WWW-Authenticate"].startswith("Digest ")


@pytest.mark.django_db
@pytest.mark.parametrize("walker", [NO_ROLE, *Role.values])
def test_each_role_gets_what_the_matrix_says_through_its_device(
    sites: dict[str, Site], walker: str
) -> None:
    boss = principal_for_user(user_with_role("walk-boss", Role.PROGRAMME_MANAGER))
    user = user_with_role(f"walker-{walker}", None if walker == NO_ROLE else walker)
    principal = principal_for_user(user)
    allowed_forms = sorted(k.name for k in kinds.all_kinds() if is_allowed(principal, k.action))
    try:
        device, _secret = services.device_enrol(actor=boss, user=user, name="walk")
    except ValidationError:
        assert not allowed_forms  # no field role: no device, nothing to submit
        return
    weapon = is_allowed(principal, "arms.item_register")
    mismatches = []
    for endpoint in ENDPOINTS:
        response = call(Client(), "GET", _url(endpoint), device)
        wanted = (
            403
            if endpoint.parameters and not weapon
            else (204 if "submission" in endpoint.name else 200)
        )
        if response.status_code != wanted:
            mismatches.append(f"{walker}: {endpoint} gave {response.status_code}, wanted {wanted}")
    listed = call(Client(), "GET", "/openrosa/formList", device).content.decode()
    assert re.findall("<formID>([^<]+)</formID>", listed) == allowed_forms
    assert not mismatches, "\n".join(mismatches)

"""What a new programme needs of assistance (issue 21): places created and corrected through
the API, and a project that belongs to the operator itself."""

from __future__ import annotations

import pytest
from django.test import Client

from laydown.access.permissions import Principal
from laydown.accounts.models import Organisation
from laydown.assistance import services
from laydown.assistance.models import Place
from laydown.core.errors import ValidationError
from laydown.ledger import replay
from laydown.testing import assert_error, bearer, log_size, post_json, token_for, user_with_role

URL = "/api/v1/assistance"
pytestmark = pytest.mark.django_db


def test_places_are_created_and_corrected_through_the_api(client: Client) -> None:
    admin = user_with_role("admin1", "admin")
    auth = bearer(token_for(admin, ["assistance.place_manage", "assistance.read"]))
    region = {"pcode": "az01", "name": "North", "level": "region"}
    made = post_json(client, f"{URL}/places", region, headers=auth)
    assert made.status_code == 201, made.content
    assert made.json()["pcode"] == "AZ01"
    district = {"pcode": "AZ0101", "name": "Riverbnd", "level": "district", "parent": "AZ01"}
    assert post_json(client, f"{URL}/places", district, headers=auth).status_code == 201
    fixed = client.put(
        f"{URL}/places/AZ0101",
        {"name": "Riverbend", "lat_micro": 40_000_000, "lon_micro": 47_000_000},
        content_type="application/json",
        headers=auth,
    )
    assert fixed.status_code == 200 and fixed.json()["name"] == "Riverbend"
    before = log_size()
    orphan = {"pcode": "AZ0909", "name": "X", "level": "district", "parent": "AZ09"}
    assert_error(post_json(client, f"{URL}/places", orphan, headers=auth), 422, "invalid")
    half = client.put(
        f"{URL}/places/AZ0101",
        {"name": "Riverbend", "lat_micro": 1},
        content_type="application/json",
        headers=auth,
    )
    assert "lon_micro" in assert_error(half, 422, "invalid")["fields"]
    assert (
        client.put(
            f"{URL}/places/AZ7777", {"name": "x"}, content_type="application/json", headers=auth
        ).status_code
        == 404
    )
    assert log_size() == before
    rows = list(Place.objects.values())
    replay.ledger_replay()
    assert list(Place.objects.values()) == rows


def test_a_project_may_belong_to_the_operator_itself(
    orgs: dict[str, Organisation], manager: Principal, places: dict[str, Place]
) -> None:
    project = services.project_create(
        actor=manager,
        organisation=orgs["operator"],
        name="Depot access road",
        sector="roads",
        place="XA010101",
        budget=90000,
        currency="usd",
    )
    assert project.organisation_id == orgs["operator"].pk
    with pytest.raises(ValidationError):
        services.project_create(
            actor=manager,
            organisation=orgs["un"],
            name="x",
            sector="roads",
            place="XA010101",
            budget=1,
            currency="usd",
        )

"""Import of places, distributions and households: validate all, then import all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from laydown.assistance import imports
from laydown.assistance.models import Distribution, Household, Place
from laydown.assistance.tests.base import (
    VAULT,
    csv_bytes,
    distribution_rows,
    household_rows,
    today,
    xlsx_bytes,
)
from laydown.testing import log_size
from laydown.vault.models import SubjectKey

pytestmark = pytest.mark.django_db

RETAIN = {"retain_until": today() + dt.timedelta(days=365), **VAULT}


def test_a_valid_distribution_file_is_imported_in_one_batch(places, icrc_staff) -> None:
    before = log_size()
    result = imports.distributions_import(
        actor=icrc_staff, name="d.csv", content=csv_bytes(distribution_rows(25))
    )
    assert result.ok and len(result.created) == 25
    assert Distribution.objects.filter(organisation__code="icrc").count() == 25
    assert log_size() == before + 25
    assert result.created[0] == "DI-000001" and result.created[-1] == "DI-000025"


def test_an_xlsx_file_imports_like_a_csv_file(places, icrc_staff) -> None:
    result = imports.distributions_import(
        actor=icrc_staff, name="d.xlsx", content=xlsx_bytes(distribution_rows(3))
    )
    assert result.ok and Distribution.objects.count() == 3


def test_one_bad_row_reports_row_column_value_and_reason_and_nothing_is_written(
    places, icrc_staff
) -> None:
    rows = distribution_rows(10)
    rows[3] = {**rows[3], "reached_total": "999"}
    rows[6] = {**rows[6], "date": (today() + dt.timedelta(days=3)).isoformat()}
    rows[8] = {**rows[8], "quantity_delivered": "9000"}
    rows[9] = {**rows[9], "place": "XA999999"}
    before = log_size()
    result = imports.distributions_import(actor=icrc_staff, name="d.csv", content=csv_bytes(rows))
    assert not result.ok and not result.created
    found = {(p.row, p.column, p.value) for p in result.problems}
    assert found == {
        (5, "reached_total", "999"),
        (8, "date", rows[6]["date"]),
        (10, "over_delivery_reason", ""),
        (11, "place", "XA999999"),
    }
    assert all(p.reason for p in result.problems)
    assert log_size() == before and not Distribution.objects.exists()


def test_a_partner_cannot_import_rows_of_another_partner(places, relief_staff) -> None:
    before = log_size()
    result = imports.distributions_import(
        actor=relief_staff, name="d.csv", content=csv_bytes(distribution_rows(2, "icrc"))
    )
    assert [(p.row, p.column) for p in result.problems] == [(2, "partner"), (3, "partner")]
    assert log_size() == before


def test_a_missing_column_is_reported_on_the_header_row(places, icrc_staff) -> None:
    rows = [{k: v for k, v in r.items() if k != "sector"} for r in distribution_rows(2)]
    result = imports.distributions_import(actor=icrc_staff, name="d.csv", content=csv_bytes(rows))
    assert [(p.row, p.column) for p in result.problems] == [(1, "sector")]


def test_roles_without_the_import_action_are_refused(places, orgs) -> None:
    from laydown.access.permissions import Principal

    auditor = Principal(
        user_id=9,
        pseudonym="u-aud",
        organisation_id=orgs["operator"].pk,
        grants=(("auditor", "programme"),),
    )
    with pytest.raises(PermissionDenied):
        imports.distributions_import(
            actor=auditor, name="d.csv", content=csv_bytes(distribution_rows(1))
        )


def test_households_are_imported_with_personal_data_in_the_vault_only(places, icrc_staff) -> None:
    result = imports.households_import(
        actor=icrc_staff, name="h.csv", content=csv_bytes(household_rows(20)), **RETAIN
    )
    assert result.ok and len(result.created) == 20
    assert Household.objects.count() == 20 and SubjectKey.objects.count() == 20
    assert all(code.startswith("h-") for code in result.created)
    assert Household.objects.get(code=result.created[0]).members.count() == 3
    from laydown.ledger.models import Record

    bodies = b"".join(bytes(b) for b in Record.objects.values_list("body", flat=True))
    assert b"Import Head" not in bodies and b"ID000001" not in bodies


def test_a_household_twice_in_one_file_is_reported_and_nothing_is_written(
    places, icrc_staff
) -> None:
    rows = household_rows(4)
    rows[3] = {**rows[3], "document": rows[1]["document"]}
    rows[2] = {**rows[2], "members": "f/18-59; x"}
    before = log_size()
    result = imports.households_import(
        actor=icrc_staff, name="h.csv", content=csv_bytes(rows), **RETAIN
    )
    found = {(p.row, p.column) for p in result.problems}
    assert found == {(5, "head_name"), (4, "members")}
    assert "row 3" in [p for p in result.problems if p.row == 5][0].reason
    assert log_size() == before and not SubjectKey.objects.exists()


def test_places_import_from_csv_parents_first(manager) -> None:
    rows = [
        {
            "pcode": "XB01",
            "name": "Eastmark",
            "level": "region",
            "parent": "",
            "lat_micro": "",
            "lon_micro": "",
        },
        {
            "pcode": "XB0101",
            "name": "Lowfield",
            "level": "district",
            "parent": "XB01",
            "lat_micro": "",
            "lon_micro": "",
        },
        {
            "pcode": "XB010101",
            "name": "Ashby",
            "level": "settlement",
            "parent": "XB0101",
            "lat_micro": "41000000",
            "lon_micro": "45000000",
        },
    ]
    result = imports.places_import(actor=manager, name="p.csv", content=csv_bytes(rows))
    assert result.ok and Place.objects.get(pcode="XB010101").lat_micro == 41_000_000


def test_a_place_with_a_wrong_parent_is_reported(manager) -> None:
    rows = [{"pcode": "XB0101", "name": "Lowfield", "level": "district", "parent": "XB01"}]
    result = imports.places_import(actor=manager, name="p.csv", content=csv_bytes(rows))
    assert [(p.row, p.column) for p in result.problems] == [(2, "parent")]
    assert not Place.objects.exists()

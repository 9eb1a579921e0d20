"""Named fixtures of the assistance tests: partners, places, principals, users."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from laydown.access.permissions import Principal
from laydown.access.roles import Role
from laydown.accounts import services as accounts
from laydown.accounts.models import Organisation, User
from laydown.assistance import services
from laydown.assistance.models import Distribution, Household, Place
from laydown.assistance.tests.base import DISTRIBUTION, MEMBERS, VAULT, manager_of, staff_of, today
from laydown.testing import user_with_role


@pytest.fixture
def orgs(db: None) -> dict[str, Organisation]:
    make = accounts.org_create
    system = accounts.SYSTEM
    return {
        "operator": make(actor=system, code="operator", name="Operator", kind="operator"),
        "icrc": make(
            actor=system,
            code="icrc",
            name="Intl Committee of the Red Cross",
            kind="humanitarian_partner",
        ),
        "relief": make(actor=system, code="relief", name="Relief Now", kind="humanitarian_partner"),
        "un": make(actor=system, code="un-rco", name="UN RCO", kind="un_office"),
    }


@pytest.fixture
def manager(orgs: dict[str, Organisation]) -> Principal:
    return manager_of(orgs["operator"])


@pytest.fixture
def icrc_staff(orgs: dict[str, Organisation]) -> Principal:
    return staff_of(orgs["icrc"], "u-icrc-1")


@pytest.fixture
def relief_staff(orgs: dict[str, Organisation]) -> Principal:
    return staff_of(orgs["relief"], "u-relief-1")


@pytest.fixture
def places(manager: Principal) -> dict[str, Place]:
    make = services.place_create
    return {
        "region": make(actor=manager, pcode="XA01", name="Northvale", level="region"),
        "district": make(
            actor=manager, pcode="XA0101", name="Riverbend", level="district", parent="XA01"
        ),
        "settlement": make(
            actor=manager,
            pcode="XA010101",
            name="Millford",
            level="settlement",
            parent="XA0101",
            lat_micro=40_100_000,
            lon_micro=46_200_000,
        ),
        "other": make(
            actor=manager,
            pcode="XA010102",
            name="Stonebridge",
            level="settlement",
            parent="XA0101",
        ),
    }


@pytest.fixture
def icrc_user(orgs: dict[str, Organisation], places: dict[str, Place]) -> User:
    """A user of the partner icrc's staff (with the places made)."""
    return user_with_role("icrc-1", Role.PARTNER_STAFF, org="icrc")


@pytest.fixture
def relief_user(orgs: dict[str, Organisation]) -> User:
    """A user of the partner relief's staff."""
    return user_with_role("relief-1", Role.PARTNER_STAFF, org="relief")


@pytest.fixture
def distribute(
    places: dict[str, Place], orgs: dict[str, Organisation], icrc_staff: Principal
) -> Callable[..., Distribution]:
    def run(**overrides: Any) -> Distribution:
        fields = {**DISTRIBUTION, "date": today() - dt.timedelta(days=1), **overrides}
        fields.setdefault("actor", icrc_staff)
        fields.setdefault("organisation", orgs["icrc"])
        return services.distribution_record(**fields)

    return run


@pytest.fixture
def register(
    places: dict[str, Place], orgs: dict[str, Organisation], icrc_staff: Principal
) -> Callable[..., Household]:
    counter = iter(range(1, 10**6))

    def run(**overrides: Any) -> Household:
        n = next(counter)
        fields: dict[str, Any] = {
            "organisation": orgs["icrc"],
            "place": "XA010101",
            "head_name": f"Head Number {n}",
            "phone": f"+1 555 {n:04d}",
            "document": f"DOC-{n:05d}",
            "members": MEMBERS,
            "retain_until": today() + dt.timedelta(days=365),
            **VAULT,
            **overrides,
        }
        fields.setdefault("actor", icrc_staff)
        return services.household_register(**fields)

    return run

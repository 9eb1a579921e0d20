"""Fixtures shared by the tests of several apps: a few registry sites, containers and an item
factory (the registry's, verification's and the reports' tests), the programme manager, an
accredited observer and an in-process witness (verification's and the reports' tests).

The root conftest loads this module for every test (`pytest_plugins`), so no test module
imports fixtures from another. Users, principals and sign-in helpers are in `laydown.testing`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from laydown import tlog
from laydown.access.permissions import Principal
from laydown.access.web import principal_for_user
from laydown.accounts import services as accounts
from laydown.arms import services as arms
from laydown.arms.models import Container, Item, Site
from laydown.ledger import keys, witnessing
from laydown.testing import principal
from laydown.verification import services
from laydown.verification.models import Accreditation
from laydown.verification.witness_server import SqliteWitnessState

ARMS_MANAGER = principal("u-manager", ("programme_manager", "programme"))
ARMS_CLERK = principal("u-clerk", ("collection_clerk", "programme"))
ITEM_FIELDS: dict[str, Any] = {
    "category": "sa_assault_rifle",
    "make": "Kalashnikov",
    "model": "AKM",
    "calibre": "7.62x39mm",
    "markings": "star, arrow in triangle",
    "country": "SU",
    "year": 1975,
    "condition": "serviceable",
}


# ---- the registry --------------------------------------------------------------------------


@pytest.fixture
def sites(db: None) -> dict[str, Site]:
    make = arms.site_create
    return {
        "cp-north": make(
            actor=ARMS_MANAGER,
            code="cp-north",
            name="Collection point North",
            kind="collection_point",
            region="north",
            lat_micro=40_123_456,
            lon_micro=46_654_321,
        ),
        "depot-a": make(
            actor=ARMS_MANAGER, code="depot-a", name="Depot A", kind="storage_depot", region="north"
        ),
        "depot-b": make(
            actor=ARMS_MANAGER, code="depot-b", name="Depot B", kind="storage_depot", region="south"
        ),
    }


@pytest.fixture
def containers(sites: dict[str, Site]) -> dict[str, Container]:
    return {
        code: arms.container_create(actor=ARMS_MANAGER, site=sites["depot-a"], code=code, racks=4)
        for code in ("a-c1", "a-c2")
    }


@pytest.fixture
def collect(sites: dict[str, Site]) -> Callable[..., Item]:
    """Register an item at depot-a (or `site=`) with plausible fields; override any."""
    counter = iter(range(1, 10**6))

    def run(**overrides: Any) -> Item:
        fields = {**ITEM_FIELDS, "serial": f"KT{next(counter):05d}", **overrides}
        fields.setdefault("site", sites["depot-a"])
        fields.setdefault("actor", ARMS_CLERK)
        return arms.item_collect(**fields)

    return run


# ---- verification --------------------------------------------------------------------------


OBSERVER_PASSWORD = "observer-pass-2026!"


@dataclass
class Observer:
    principal: Principal
    signer: tlog.Signer
    accreditation: Accreditation


@pytest.fixture
def manager(db: None) -> Principal:
    accounts.org_create(actor=accounts.SYSTEM, code="operator", name="Operator", kind="operator")
    user = accounts.user_create(
        actor=accounts.SYSTEM,
        username="manager",
        password=OBSERVER_PASSWORD,
        organisation="operator",
    )
    accounts.role_grant(
        actor=accounts.SYSTEM, user=user, role="programme_manager", scope="programme"
    )
    return principal_for_user(user)


@pytest.fixture
def make_observer(manager: Principal) -> Callable[..., Observer]:
    accounts.org_create(
        actor=accounts.SYSTEM, code="nordland", name="Nordland", kind="observer_delegation"
    )

    def make(username: str = "observer", accredited: tuple[str, ...] = ("depot-a",)) -> Observer:
        user = accounts.user_create(
            actor=accounts.SYSTEM,
            username=username,
            password=OBSERVER_PASSWORD,
            organisation="nordland",
        )
        accounts.role_grant(actor=accounts.SYSTEM, user=user, role="observer", scope="programme")
        skey, vkey = tlog.generate_key(f"nordland.example/{username}")
        today = dt.datetime.now(dt.UTC).date()
        accreditation = services.accreditation_grant(
            actor=manager,
            observer=user,
            vkey=vkey,
            sites=list(accredited),
            valid_from=today - dt.timedelta(days=1),
            valid_until=today + dt.timedelta(days=30),
        )
        return Observer(principal_for_user(user), tlog.new_signer(skey), accreditation)

    return make


@pytest.fixture
def cosign(db: None, tmp_path: Path) -> Callable[[], None]:
    """A real tlog-witness (SQLite state), reached in-process instead of over a socket."""
    skey, vkey = tlog.generate_cosignature_key("witness.example/inproc")
    log_key = keys.log_signer()
    witness = tlog.Witness(
        tlog.new_cosignature_signer(skey),
        {log_key.name: [log_key.verifier()]},
        SqliteWitnessState(tmp_path / "witness.sqlite3"),
    )

    def handle(request: httpx.Request) -> httpx.Response:
        answer = witness.add_checkpoint(request.content)
        return httpx.Response(
            answer.status, content=answer.body, headers={"content-type": answer.content_type}
        )

    witnessing.witness_add(actor="system", vkey=vkey, url="http://witness.invalid")

    def run() -> None:
        with httpx.Client(transport=httpx.MockTransport(handle)) as client:
            results = witnessing.witness_push(client=client)
        assert [r.status for r in results] in (["ok"], ["current"])

    return run


# ---- users ---------------------------------------------------------------------------------


@pytest.fixture
def fast_password_hashing(settings: Any) -> None:
    """Argon2 is deliberately slow; tests that create many users and test no hashing ask for
    MD5 with `pytest.mark.usefixtures("fast_password_hashing")` (never in production)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

"""Fixtures of verification tests: an accredited observer, an in-process witness, items."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest

from laydown import tlog
from laydown.access.permissions import Principal
from laydown.access.web import principal_for_user
from laydown.accounts import services as accounts
from laydown.arms.tests.conftest import collect, containers, sites  # noqa: F401  (fixtures)
from laydown.ledger import keys, witnessing
from laydown.verification import services
from laydown.verification.models import Accreditation
from laydown.verification.witness_server import SqliteWitnessState

PASSWORD = "observer-pass-2026!"


@dataclass
class Observer:
    principal: Principal
    signer: tlog.Signer
    accreditation: Accreditation


@pytest.fixture
def manager(db: None) -> Principal:
    accounts.org_create(actor=accounts.SYSTEM, code="operator", name="Operator", kind="operator")
    user = accounts.user_create(
        actor=accounts.SYSTEM, username="manager", password=PASSWORD, organisation="operator"
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
            actor=accounts.SYSTEM, username=username, password=PASSWORD, organisation="nordland"
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
def cosign(db: None, tmp_path) -> Callable[[], None]:
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

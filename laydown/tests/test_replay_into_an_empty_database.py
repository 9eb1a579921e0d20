"""`laydown ledger replay` into a database that holds only the log rebuilds every replayed table.

The demo programme is loaded, then every table but the log's own (and those `migrate` fills) is
emptied, as in a new database beside a copy of the log; replay must give back the same rows, but
for the columns declared not replayed (a password hash...) and surrogate ids, whose values a
database picks (rows pointing at them are compared by what the row they point at holds).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.db import models
from django.db.models.deletion import ProtectedError, RestrictedError
from django.test import RequestFactory
from django_otp.plugins.otp_totp.models import TOTPDevice

from laydown.access.web import principal_for_user
from laydown.accounts import demo as accounts_demo
from laydown.accounts import services as accounts
from laydown.accounts.models import User
from laydown.accounts.records import USER_CREATED
from laydown.ledger import demo as ledger_demo
from laydown.ledger import kinds, replay
from laydown.ledger import services as ledger
from laydown.ledger.models import Record
from laydown.testing.demo_walk import demo_in_database

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

KEPT = {  # the log, and what `laydown migrate` creates
    "ledger.Record",
    "ledger.Tile",
    "ledger.Checkpoint",
    "ledger.LogHead",
    "contenttypes.ContentType",
    "auth.Permission",
}


class Snapshot:
    """Rows of the replayed tables, surrogate ids replaced by what the rows they name hold."""

    def __init__(self) -> None:
        self.left_out = set(kinds.replay_coverage().not_replayed)
        self._by_pk: dict[type[models.Model], dict[Any, tuple[Any, ...]]] = {}

    def _fields(self, model: type[models.Model]) -> list[models.Field[Any, Any]]:
        return [
            f
            for f in model._meta.concrete_fields
            if f"{model._meta.label}.{f.name}" not in self.left_out
            and not (f.primary_key and _surrogate(model))
        ]

    def _row(self, model: type[models.Model], row: dict[str, Any]) -> tuple[Any, ...]:
        values = []
        for f in self._fields(model):
            value = row[f.attname]
            target = f.related_model if f.is_relation else None
            if value is not None and isinstance(target, type) and _surrogate(target):
                value = self._natural(target)[value]
            values.append((f.name, value))
        return tuple(values)

    def _natural(self, model: type[models.Model]) -> dict[Any, tuple[Any, ...]]:
        if model not in self._by_pk:
            self._by_pk[model] = {r["pk"]: self._row(model, r) for r in _rows(model, pk=True)}
        return self._by_pk[model]

    def table(self, label: str) -> list[tuple[Any, ...]]:
        model = apps.get_model(label)
        return sorted((self._row(model, r) for r in _rows(model)), key=repr)


def _surrogate(model: type[models.Model]) -> bool:
    return isinstance(model._meta.pk, models.AutoField)


def _rows(model: type[models.Model], *, pk: bool = False) -> Iterator[dict[str, Any]]:
    names = [f.attname for f in model._meta.concrete_fields] + (["pk"] if pk else [])
    return iter(model.objects.values(*names))


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    shot = Snapshot()
    return {label: shot.table(label) for label in kinds.replay_coverage().replayed}


def empty_all_but_the_log() -> None:
    """Delete every row outside KEPT, parents after the rows that protect them."""
    for reset in kinds.all_resets():  # the apps' own tables, in an order that works
        reset()
    labels = [m._meta.label for m in apps.get_models()]
    pending = [apps.get_model(label) for label in labels if label not in KEPT]
    while pending:
        blocked = []
        for model in pending:
            try:
                model.objects.all().delete()
            except (ProtectedError, RestrictedError):
                blocked.append(model)
        assert len(blocked) < len(pending), f"cannot empty {blocked}"
        pending = blocked


@pytest.fixture
def fast_hashes(settings) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def users(fast_hashes) -> None:
    """The demo's organisations and users, and more of what accounts records."""
    ledger_demo.demo_load()
    list(accounts_demo.demo_load())
    more_accounts_records()


@pytest.fixture
def programme(fast_hashes, tmp_path) -> None:
    """The whole demo programme, and more of what accounts records. The demo's rows as
    `demo_load` made them, copied back if an earlier test of the run loaded it (half a minute
    of CPU, and as much again of PostgreSQL's, saved); its witnesses new, in `tmp_path` (ones
    kept in the data directory have seen a longer log, and would refuse)."""
    demo_in_database(tmp_path / "witnesses")
    more_accounts_records()


def more_accounts_records() -> None:
    admin = User.objects.get(username="admin")
    clerk = User.objects.get(username="clerk")
    accounts.role_grant(actor=accounts.SYSTEM, user=clerk, role="custodian", scope="programme")
    accounts.role_revoke(actor=accounts.SYSTEM, user=clerk, role="custodian", scope="programme")
    token, _secret = accounts.token_create(
        actor=principal_for_user(admin), name="sync", actions=["account.profile"], days=5
    )
    accounts.token_revoke(actor=principal_for_user(admin), public_id=token.public_id)
    accounts.user_password_set(actor=accounts.SYSTEM, user=clerk, password="A-new-one-for-clerk")
    auditor = User.objects.get(username="auditor")
    accounts.user_active_set(actor=accounts.SYSTEM, user=auditor, active=False)
    accounts.user_active_set(actor=accounts.SYSTEM, user=auditor, active=True)
    accounts.user_active_set(actor=accounts.SYSTEM, user=auditor, active=False)
    # A user whose record predates usernames in the log: rebuilt under its pseudonym.
    ledger.record_append(
        kind=USER_CREATED.name,
        data={"user": "u-0123456789ab", "organisation": "operator"},
        actor="s",
    )


def test_replay_into_an_empty_database_rebuilds_every_replayed_table(programme) -> None:
    before = snapshot()
    assert len(before["accounts.User"]) > len(accounts_demo.USERS)
    assert before["accounts.RoleGrant"] and before["accounts.ApiToken"]
    assert before["arms.Item"] and before["people.Participant"] and before["ledger.LogWitness"]
    empty_all_but_the_log()
    assert not User.objects.exists()
    replay.ledger_replay()
    after = snapshot()
    for label, rows in before.items():
        assert after[label] == rows, f"{label} differs after replay into an empty database"
    assert User.objects.get(pseudonym="u-0123456789ab").username == "u-0123456789ab"
    assert not User.objects.get(username="auditor").is_active


def test_after_such_a_replay_users_sign_in_once_an_administrator_sets_a_password(users) -> None:
    empty_all_but_the_log()
    replay.ledger_replay()
    password = accounts_demo.demo_password("admin")
    assert _signs_in("admin", password) is None
    assert not any(u.has_usable_password() for u in User.objects.all())
    assert not TOTPDevice.objects.exists()
    admin = User.objects.get(username="admin")
    assert list(admin.grants.values_list("role", "scope")) == [("admin", "programme")]
    accounts.user_password_set(actor=accounts.SYSTEM, user=admin, password=password)
    assert _signs_in("admin", password) == admin


def test_replay_in_place_keeps_passwords_and_second_factors(users) -> None:
    devices = TOTPDevice.objects.count()
    replay.ledger_replay()
    assert not User.objects.get(username="auditor").is_active  # still deactivated
    assert TOTPDevice.objects.count() == devices > 0
    assert _signs_in("admin", accounts_demo.demo_password("admin")) is not None
    assert _signs_in("clerk", "A-new-one-for-clerk") is not None


def test_no_password_hash_or_second_factor_seed_is_in_the_log(users) -> None:
    bodies = b"\n".join(bytes(b) for b in Record.objects.values_list("body", flat=True))
    assert b"demo-Laydown" not in bodies and b"A-new-one" not in bodies
    for user in User.objects.all():
        assert user.password.encode() not in bodies
    for device in TOTPDevice.objects.all():
        assert device.key.encode() not in bodies
    assert b'"username":"admin"' in bodies  # usernames are there: replay needs them


def _signs_in(username: str, password: str) -> Any:
    return authenticate(RequestFactory().post("/"), username=username, password=password)

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from laydown.access.web import principal_for_user
from laydown.accounts import selectors as accounts_selectors
from laydown.accounts import services
from laydown.accounts.models import ApiToken, Organisation, RoleGrant, User
from laydown.core.errors import ValidationError
from laydown.ledger import replay, selectors
from laydown.ledger.models import Record

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-9"


@pytest.fixture
def operator() -> Organisation:
    return services.org_create(
        actor=services.SYSTEM, code="operator", name="Operations Office", kind="operator"
    )


@pytest.fixture
def clerk(operator: Organisation) -> User:
    user = services.user_create(
        actor=services.SYSTEM, username="gulnara", password=PASSWORD, organisation="operator"
    )
    services.role_grant(
        actor=services.SYSTEM, user=user, role="collection_clerk", scope="site:cp-1"
    )
    return user


def kinds_logged() -> list[str]:
    return list(Record.objects.order_by("index").values_list("kind", flat=True))


def test_creating_an_organisation_appends_a_record_and_projects_it(operator) -> None:
    assert kinds_logged() == ["accounts.org_created"]
    record = Record.objects.get()
    assert record.data == {"code": "operator", "name": "Operations Office", "kind": "operator"}
    assert Organisation.objects.get(code="operator").kind == "operator"


@pytest.mark.parametrize(
    ("code", "kind", "field"),
    [("Bad Code", "operator", "code"), ("ok", "militia", "kind"), ("", "operator", "code")],
)
def test_a_bad_organisation_is_refused_naming_the_field(code, kind, field) -> None:
    with pytest.raises(ValidationError) as error:
        services.org_create(actor=services.SYSTEM, code=code, name="X", kind=kind)
    assert field in error.value.fields
    assert selectors.log_size() == 0


def test_a_duplicate_organisation_code_is_refused(operator) -> None:
    with pytest.raises(ValidationError, match="exists"):
        services.org_create(actor=services.SYSTEM, code="operator", name="Y", kind="auditor")
    assert Organisation.objects.count() == 1


@pytest.mark.argon2
def test_a_user_is_logged_without_password_and_stored_with_argon2(clerk) -> None:
    record = Record.objects.get(kind="accounts.user_created")
    # What replay needs to rebuild the row; never the password or its hash.
    assert record.data == {
        "user": clerk.pseudonym,
        "username": "gulnara",
        "email": clerk.email,
        "organisation": "operator",
    }
    assert clerk.password.startswith("argon2")
    assert clerk.password.encode() not in bytes(record.body)
    assert PASSWORD.encode() not in bytes(record.body)
    assert clerk.pseudonym.startswith("u-")


@pytest.mark.parametrize(
    ("username", "password", "org", "field"),
    [
        ("new", "short", "operator", "password"),
        ("new", "password123456", "operator", "password"),
        ("new", PASSWORD, "nowhere", "organisation"),
        ("GULNARA", PASSWORD, "operator", "username"),
    ],
)
def test_a_bad_user_is_refused_naming_the_field(clerk, username, password, org, field) -> None:
    size = selectors.log_size()
    with pytest.raises(ValidationError) as error:
        services.user_create(
            actor=services.SYSTEM, username=username, password=password, organisation=org
        )
    assert field in error.value.fields
    assert selectors.log_size() == size
    assert User.objects.count() == 1


def test_granting_twice_appends_once_and_revoking_removes_the_grant(clerk) -> None:
    services.role_grant(
        actor=services.SYSTEM, user=clerk, role="collection_clerk", scope="site:cp-1"
    )
    assert kinds_logged().count("accounts.role_granted") == 1
    services.role_revoke(
        actor=services.SYSTEM, user=clerk, role="collection_clerk", scope="site:cp-1"
    )
    assert not RoleGrant.objects.filter(user=clerk).exists()
    with pytest.raises(ValidationError, match="has no role"):
        services.role_revoke(
            actor=services.SYSTEM, user=clerk, role="collection_clerk", scope="site:cp-1"
        )


@pytest.mark.parametrize(
    ("role", "scope", "field"),
    [
        ("warlord", "programme", "role"),
        ("custodian", "depot", "scope"),
        ("custodian", "site:", "scope"),
    ],
)
def test_a_bad_grant_is_refused(clerk, role, scope, field) -> None:
    with pytest.raises(ValidationError) as error:
        services.role_grant(actor=services.SYSTEM, user=clerk, role=role, scope=scope)
    assert field in error.value.fields


def test_only_admins_may_grant_roles(clerk) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.role_grant(
            actor=principal_for_user(clerk), user=clerk, role="admin", scope="programme"
        )
    assert not RoleGrant.objects.filter(role="admin").exists()


def test_a_token_is_stored_hashed_and_authenticates_until_revoked(clerk) -> None:
    actor = principal_for_user(clerk)
    token, secret = services.token_create(
        actor=actor, name="tablet sync", actions=["account.profile"], days=30
    )
    assert secret.startswith("ldt_")
    assert secret not in token.digest and len(token.digest) == 64
    assert b"ldt_" not in b"".join(bytes(b) for b in Record.objects.values_list("body", flat=True))
    assert accounts_selectors.token_authenticate(secret) == token
    assert accounts_selectors.token_authenticate(secret + "x") is None
    services.token_revoke(actor=actor, public_id=token.public_id)
    assert accounts_selectors.token_authenticate(secret) is None


def test_an_expired_token_does_not_authenticate(clerk) -> None:
    token, secret = services.token_create(
        actor=principal_for_user(clerk), name="old", actions=["account.profile"], days=1
    )
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert accounts_selectors.token_authenticate(secret) is None


def test_a_token_cannot_carry_actions_its_owner_may_not_do(clerk) -> None:
    with pytest.raises(ValidationError) as error:
        services.token_create(
            actor=principal_for_user(clerk),
            name="too much",
            actions=["accounts.role_grant", "no.such_action"],
            days=30,
        )
    assert "accounts.role_grant" in error.value.message
    assert "no.such_action" in error.value.message
    assert not ApiToken.objects.exists()


def test_someone_elses_token_cannot_be_revoked_and_looks_missing(clerk, operator) -> None:
    other = services.user_create(
        actor=services.SYSTEM, username="other", password=PASSWORD, organisation="operator"
    )
    token, _secret = services.token_create(
        actor=principal_for_user(clerk), name="mine", actions=["account.profile"], days=5
    )
    with pytest.raises(ValidationError, match="No active token"):
        services.token_revoke(actor=principal_for_user(other), public_id=token.public_id)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_replay_rebuilds_grants_and_tokens_exactly(clerk) -> None:
    token, _secret = services.token_create(
        actor=principal_for_user(clerk), name="sync", actions=["account.profile"], days=5
    )
    services.token_revoke(actor=principal_for_user(clerk), public_id=token.public_id)
    services.role_grant(actor=services.SYSTEM, user=clerk, role="custodian", scope="region:north")

    def snapshot() -> tuple[list, list, list]:
        return (
            list(RoleGrant.objects.order_by("role").values("user", "role", "scope", "granted_by")),
            list(
                ApiToken.objects.values(
                    "public_id", "digest", "actions", "revoked_at", "expires_at"
                )
            ),
            list(Organisation.objects.values("code", "name", "kind")),
        )

    before = snapshot()
    replay.ledger_replay()
    assert snapshot() == before


def test_the_cli_sets_up_organisations_users_and_grants(monkeypatch) -> None:
    call_command("org", "create", "un-office", "UN Verification Office", "--kind", "un_office")
    monkeypatch.setenv("LAYDOWN_NEW_PASSWORD", PASSWORD)
    call_command("user", "create", "amina", "--org", "un-office")
    call_command("grant", "amina", "observer", "--scope", "region:south")
    user = User.objects.get(username="amina")
    assert list(user.grants.values_list("role", "scope")) == [("observer", "region:south")]
    with pytest.raises(CommandError, match="No organisation"):
        call_command("user", "create", "bob", "--org", "nowhere")
    with pytest.raises(CommandError, match="No user"):
        call_command("grant", "nobody", "observer")


def test_an_administrator_sets_a_password_at_the_shell_and_the_log_says_only_that(
    monkeypatch, clerk
) -> None:
    monkeypatch.setenv("LAYDOWN_NEW_PASSWORD", "another-horse-battery-7")
    call_command("user", "password", "gulnara")
    clerk.refresh_from_db()
    assert clerk.check_password("another-horse-battery-7")
    record = Record.objects.get(kind="accounts.password_set")
    assert record.data == {"user": clerk.pseudonym} and record.actor == "system"
    with pytest.raises(CommandError, match="No user"):
        call_command("user", "password", "nobody")
    monkeypatch.setenv("LAYDOWN_NEW_PASSWORD", "short")
    with pytest.raises(CommandError, match="short"):
        call_command("user", "password", "gulnara")
    with pytest.raises(PermissionDenied):
        services.user_password_set(
            actor=principal_for_user(clerk), user=clerk, password="a-third-horse-battery-5"
        )
    assert Record.objects.filter(kind="accounts.password_set").count() == 1


def test_a_user_is_deactivated_and_reactivated_at_the_shell(clerk, capsys) -> None:
    call_command("user", "deactivate", "gulnara")
    assert not User.objects.get(pk=clerk.pk).is_active
    with pytest.raises(CommandError, match="already deactivated"):
        call_command("user", "deactivate", "gulnara")
    call_command("user", "reactivate", "gulnara")
    assert User.objects.get(pk=clerk.pk).is_active
    assert "Reactivated gulnara." in capsys.readouterr().out
    kinds = list(Record.objects.order_by("index").values_list("kind", flat=True))
    assert kinds[-2:] == ["accounts.user_deactivated", "accounts.user_reactivated"]

"""`authorize`: roles, scope, own organisation, token actions and anonymous callers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

from laydown import cli
from laydown.access import permissions
from laydown.access.permissions import (
    ACTIONS,
    ANONYMOUS,
    NotAuthenticated,
    Principal,
    authorize,
    is_allowed,
)
from laydown.access.roles import Role, Scope

SCOPED = "test.collect_at_site"
OWN_ORG = "test.partner_record"


@contextmanager
def temporary_action(name: str, roles: frozenset[str], **kw: object) -> Iterator[None]:
    """Define an action for one test and remove it after, so the matrix stays the real one."""
    if name in ACTIONS:  # a previous test that crashed half-way must not break this one
        del ACTIONS[name]
    permissions.define(name, "defined by a test", roles, **kw)
    try:
        yield
    finally:
        ACTIONS.pop(name, None)


@pytest.fixture
def scoped_action() -> Iterator[str]:
    with temporary_action(SCOPED, frozenset({Role.COLLECTION_CLERK}), scoped=True):
        yield SCOPED


@pytest.fixture
def own_org_action() -> Iterator[str]:
    roles = frozenset({Role.PARTNER_STAFF, Role.ADMIN, Role.AUDITOR})
    with temporary_action(OWN_ORG, roles, own_org=True):
        yield OWN_ORG


def person(
    *grants: tuple[str, str], org: int = 1, token: frozenset[str] | None = None
) -> Principal:
    return Principal(
        user_id=7, pseudonym="u-7", organisation_id=org, grants=grants, token_actions=token
    )


def test_anyone_includes_anonymous_visitors() -> None:
    authorize(ANONYMOUS, "public.view")


@pytest.mark.parametrize("action", ["account.profile", "accounts.org_manage"])
def test_anonymous_callers_are_asked_to_authenticate_not_refused(action: str) -> None:
    with pytest.raises(NotAuthenticated):
        authorize(ANONYMOUS, action)


def test_signed_in_actions_need_no_role() -> None:
    authorize(person(), "account.profile")


def test_a_role_action_is_refused_without_the_role() -> None:
    clerk = person((Role.COLLECTION_CLERK, "programme"))
    with pytest.raises(PermissionDenied) as refused:
        authorize(clerk, "accounts.org_manage")
    assert not isinstance(refused.value, NotAuthenticated)
    assert "accounts.org_manage" not in str(refused.value)  # words, not a code: whose work
    assert "it is the work of Administrator" in str(refused.value)


def test_an_unknown_action_is_refused_to_everyone() -> None:
    with pytest.raises(PermissionDenied):
        authorize(person((Role.ADMIN, "programme")), "no.such_action")


def test_a_site_clerk_may_act_at_its_site_and_not_at_another(scoped_action: str) -> None:
    clerk = person((Role.COLLECTION_CLERK, "site:A"))
    authorize(clerk, scoped_action, scope=Scope(site="A", region="r1"))
    with pytest.raises(PermissionDenied):
        authorize(clerk, scoped_action, scope=Scope(site="B", region="r1"))


def test_without_a_scope_the_question_is_whether_anywhere_at_all(scoped_action: str) -> None:
    authorize(person((Role.COLLECTION_CLERK, "site:A")), scoped_action)


def test_a_region_grant_covers_the_sites_of_the_region_only(scoped_action: str) -> None:
    clerk = person((Role.COLLECTION_CLERK, "region:r1"))
    assert is_allowed(clerk, scoped_action, scope=Scope(site="A", region="r1"))
    assert is_allowed(clerk, scoped_action, scope=Scope(site="B", region="r1"))
    assert not is_allowed(clerk, scoped_action, scope=Scope(site="C", region="r2"))


def test_a_programme_grant_covers_every_site(scoped_action: str) -> None:
    clerk = person((Role.COLLECTION_CLERK, "programme"))
    assert is_allowed(clerk, scoped_action, scope=Scope(site="Z", region="r9"))


def test_a_grant_of_another_role_at_the_site_does_not_help(scoped_action: str) -> None:
    someone = person((Role.COLLECTION_CLERK, "site:A"), (Role.REGISTRAR, "site:B"))
    assert not is_allowed(someone, scoped_action, scope=Scope(site="B", region="r1"))


def test_scope_does_not_narrow_unscoped_actions() -> None:
    admin = person((Role.ADMIN, "site:A"))
    assert is_allowed(admin, "accounts.org_manage", scope=Scope(site="B", region="r1"))


def test_a_partner_sees_its_own_organisations_records_only(own_org_action: str) -> None:
    partner = person((Role.PARTNER_STAFF, "programme"), org=1)
    authorize(partner, own_org_action, organisation_id=1)
    with pytest.raises(PermissionDenied) as refused:
        authorize(partner, own_org_action, organisation_id=2)
    assert "another organisation" in str(refused.value)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AUDITOR])
def test_cross_organisation_roles_see_every_organisations_records(
    own_org_action: str, role: str
) -> None:
    assert is_allowed(person((role, "programme"), org=1), own_org_action, organisation_id=2)


def test_holding_a_cross_org_role_without_the_action_does_not_widen_it(own_org_action: str) -> None:
    # A manager may see every organisation, but this action is not a manager's: their partner
    # role alone decides, and it is limited to the own organisation.
    someone = person((Role.PARTNER_STAFF, "programme"), (Role.PROGRAMME_MANAGER, "programme"))
    assert not is_allowed(someone, own_org_action, organisation_id=2)


def test_a_token_allows_only_its_actions_even_when_the_roles_allow_more() -> None:
    admin_token = person((Role.ADMIN, "programme"), token=frozenset({"account.profile"}))
    authorize(admin_token, "account.profile")
    with pytest.raises(PermissionDenied) as refused:
        authorize(admin_token, "accounts.org_manage")
    assert "token" in str(refused.value)


def test_a_token_never_allows_more_than_its_users_roles() -> None:
    clerk_token = person(
        (Role.COLLECTION_CLERK, "programme"), token=frozenset({"accounts.org_manage"})
    )
    assert not is_allowed(clerk_token, "accounts.org_manage")


def test_public_actions_need_no_token_action() -> None:
    assert is_allowed(person(token=frozenset()), "public.view")


def test_test_actions_leave_the_matrix_as_it_was(scoped_action: str) -> None:
    assert scoped_action in ACTIONS  # and the fixture removes it: see the docs test


def test_an_action_cannot_be_defined_twice() -> None:
    with pytest.raises(ValueError, match="twice"):
        permissions.define("public.view", "again", audience=permissions.ANYONE)


# ---- docs/permissions.md and `laydown permissions` ----

DOCS = Path(__file__).resolve().parents[3] / "docs" / "permissions.md"


def test_docs_permissions_md_is_the_matrix_in_the_code() -> None:
    assert DOCS.read_text(encoding="utf-8") == permissions.matrix_markdown(), (
        "docs/permissions.md is out of date: run `laydown permissions --markdown > "
        "docs/permissions.md` and commit it"
    )


def test_the_matrix_has_a_row_per_action_and_a_column_per_role() -> None:
    text = permissions.matrix_markdown()
    for name in ACTIONS:
        assert f"| `{name}` |" in text
    header = next(line for line in text.splitlines() if line.startswith("| action |"))
    assert all(f" {role} |" in header for role in Role.values)


def test_the_permissions_command_prints_the_matrix(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["permissions", "--markdown"]) == 0
    assert capsys.readouterr().out == permissions.matrix_markdown()


def test_the_permissions_check_exits_1_when_the_file_differs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "permissions.md"
    good.write_text(permissions.matrix_markdown(), encoding="utf-8")
    assert cli.main(["permissions", "--check", str(good)]) == 0
    stale = tmp_path / "stale.md"
    stale.write_text(permissions.matrix_markdown().replace("✓", "·"), encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        cli.main(["permissions", "--check", str(stale)])
    assert exit_.value.code == 1
    assert "laydown permissions --markdown" in capsys.readouterr().err

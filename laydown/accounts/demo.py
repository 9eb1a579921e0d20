"""Demo organisations (fictional, of real kinds) and one demo user per role."""

from __future__ import annotations

from collections.abc import Iterator

from django.db import transaction

from laydown.accounts import services
from laydown.accounts.models import Organisation, User
from laydown.accounts.roles import OrgKind, Role

ORGANISATIONS = [
    ("operator", "Programme Operations Office", OrgKind.OPERATOR),
    ("observers-nordland", "Observer Delegation of Nordland", OrgKind.OBSERVER_DELEGATION),
    ("un-verification", "UN Verification Office", OrgKind.UN_OFFICE),
    ("relief-red-cross", "Relief Red Cross Delegation", OrgKind.HUMANITARIAN_PARTNER),
    ("audit-board", "Independent Audit Board", OrgKind.AUDITOR),
]

# (username, organisation, role, scope)
USERS = [
    ("admin", "operator", Role.ADMIN, "programme"),
    ("manager", "operator", Role.PROGRAMME_MANAGER, "programme"),
    ("clerk", "operator", Role.COLLECTION_CLERK, "site:cp-north"),
    ("custodian", "operator", Role.CUSTODIAN, "site:depot-central"),
    ("registrar", "operator", Role.REGISTRAR, "programme"),
    ("observer", "observers-nordland", Role.OBSERVER, "programme"),
    ("partner", "relief-red-cross", Role.PARTNER_STAFF, "programme"),
    ("auditor", "audit-board", Role.AUDITOR, "programme"),
]


def demo_password(username: str) -> str:
    """Demo passwords are printed at start; they protect nothing but a demo."""
    return f"{username}-demo-Laydown"


@transaction.atomic
def demo_load() -> Iterator[str]:
    for code, name, kind in ORGANISATIONS:
        if not Organisation.objects.filter(code=code).exists():
            services.org_create(actor=services.SYSTEM, code=code, name=name, kind=kind)
    yield "Demo users (username / password, role at scope):"
    for username, org, role, scope in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = services.user_create(
                actor=services.SYSTEM,
                username=username,
                password=demo_password(username),
                organisation=org,
            )
        services.role_grant(actor=services.SYSTEM, user=user, role=role, scope=scope)
        yield f"  {username:<10} {demo_password(username):<26} {role.label} at {scope}"

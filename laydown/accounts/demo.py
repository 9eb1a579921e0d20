"""Demo organisations (fictional, of real kinds) and the demo users: one per role, and a few more
at narrower scopes (every depot has a custodian to receive its shipments; the field supervisor
answers for two of the four collection points). Each is printed with
its password."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator

from django.db import transaction

from laydown.access.roles import SECOND_FACTOR_ROLES, OrgKind, Role
from laydown.accounts import services
from laydown.accounts.models import Organisation, SealedTOTPDevice, User

ORGANISATIONS = [
    ("operator", "Programme Operations Office", OrgKind.OPERATOR),
    ("observers-nordland", "Observer Delegation of Nordland", OrgKind.OBSERVER_DELEGATION),
    ("un-verification", "UN Verification Office", OrgKind.UN_OFFICE),
    ("relief-red-cross", "Relief Red Cross Delegation", OrgKind.HUMANITARIAN_PARTNER),
    ("audit-board", "Independent Audit Board", OrgKind.AUDITOR),
]

# Fictional names the demo users are known by (shown to who may see them: docs/security.md);
# no surname of the demo's participants (laydown/people/demo.py), which are never in clear.
NAMES = {
    "admin": "Nigar Rzayeva",
    "manager": "Armen Ohanyan",
    "clerk": "Leyla Ismayilova",
    "supervisor": "Elmira Najafova",
    "custodian": "Tigran Babayan",
    "custodian-south": "Rashad Gasimov",
    "registrar": "Anna Petrova",
    "registrar-south": "Gohar Vardanyan",
    "childprotection": "Aysel Karimova",
    "observer": "Ingrid Halvorsen",
    "un-observer": "Kofi Mensah",
    "partner": "Marie Dubois",
    "auditor": "Sven Lindqvist",
}

# (username, organisation, role, scope)
USERS = [
    ("admin", "operator", Role.ADMIN, "programme"),
    ("manager", "operator", Role.PROGRAMME_MANAGER, "programme"),
    ("clerk", "operator", Role.COLLECTION_CLERK, "site:cp-north"),
    ("supervisor", "operator", Role.SUPERVISOR, "region:north"),
    ("custodian", "operator", Role.CUSTODIAN, "site:depot-central"),
    ("custodian-south", "operator", Role.CUSTODIAN, "site:depot-south"),
    ("registrar", "operator", Role.REGISTRAR, "programme"),
    ("registrar-south", "operator", Role.REGISTRAR, "region:south"),
    ("childprotection", "operator", Role.CHILD_PROTECTION, "programme"),
    ("observer", "observers-nordland", Role.OBSERVER, "programme"),
    ("un-observer", "un-verification", Role.OBSERVER, "programme"),
    ("partner", "relief-red-cross", Role.PARTNER_STAFF, "programme"),
    ("auditor", "audit-board", Role.AUDITOR, "programme"),
]


# Further grants of the users above: the field supervisor answers for two collection points,
# Aranvale (north) and Belmora (east), and for the demobilization registrations of their regions.
MORE_GRANTS = [("supervisor", Role.SUPERVISOR, "region:east")]


def demo_password(username: str) -> str:
    """Demo passwords are printed at start; they protect nothing but a demo."""
    return f"{username}-demo-Laydown"


def demo_totp_key(username: str) -> str:
    """The fixed TOTP key (hex) of a demo user: printed at start, so it protects nothing."""
    return hashlib.sha1(f"laydown-demo-totp:{username}".encode()).hexdigest()  # noqa: S324


def demo_totp_secret(username: str) -> str:
    """The same key in base32, as authenticator apps take it."""
    return base64.b32encode(bytes.fromhex(demo_totp_key(username))).decode()


def demo_totp_device(username: str) -> SealedTOTPDevice | None:
    """The demo user's confirmed device if it still has the demo key (not re-enrolled)."""
    device = SealedTOTPDevice.objects.filter(user__username=username, confirmed=True).first()
    if device is None or device.bin_key != bytes.fromhex(demo_totp_key(username)):
        return None
    return device


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
                name=NAMES.get(username, ""),
            )
        services.role_grant(actor=services.SYSTEM, user=user, role=role, scope=scope)
        more = [s for u, r, s in MORE_GRANTS if u == username and r == role]
        for extra in more:
            services.role_grant(actor=services.SYSTEM, user=user, role=role, scope=extra)
        where = ", ".join([scope, *more])
        yield f"  {username:<16} {demo_password(username):<32} {role.label} at {where}"
    yield from _demo_second_factors()


def _demo_second_factors() -> Iterator[str]:
    yield (
        "Second factor (TOTP) of the administrator, the custodians and the observers: after the "
        "password, enter the code that `laydown demo_totp USERNAME` prints, or add the secret "
        "(or otpauth URI) to an authenticator app:"
    )
    for username, _org, role, _scope in USERS:
        if role not in SECOND_FACTOR_ROLES:
            continue
        device = demo_totp_device(username)
        if device is None and not SealedTOTPDevice.objects.filter(user__username=username).exists():
            device = services.second_factor_install(
                actor=services.SYSTEM,
                user=User.objects.get(username=username),
                key_hex=demo_totp_key(username),
            )
        if device is None:
            yield f"  {username:<16} (enrolled its own authenticator; demo secret not in use)"
            continue
        yield f"  {username:<16} {demo_totp_secret(username)}  {device.config_url}"

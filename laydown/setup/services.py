"""Starting a real programme: the first organisation and administrator (`laydown init`).

Everything else a programme needs before its first day is done through the product's pages,
API and commands by its own staff (the checklist page, laydown.setup.selectors); this module
only does what nobody can do before an administrator exists.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from laydown.access.roles import OrgKind, Role
from laydown.accounts import services as accounts
from laydown.accounts.models import Organisation, RoleGrant, SealedTOTPDevice, User
from laydown.core.errors import ValidationError


@dataclass(frozen=True)
class FirstAdministrator:
    organisation: Organisation
    user: User
    device: SealedTOTPDevice
    totp_secret: str  # base32, shown once

    @property
    def otpauth_uri(self) -> str:
        return str(self.device.config_url)


def administrator_exists() -> bool:
    return RoleGrant.objects.filter(role=Role.ADMIN, user__is_active=True).exists()


def programme_init(
    *, org_code: str, org_name: str, username: str, password: str, email: str = ""
) -> FirstAdministrator:
    """Create the operator's organisation and its first administrator with a second factor
    (a new TOTP seed, returned once as base32). Refused once any administrator exists: after
    that, administrators make users through the pages, API or `laydown user create`."""
    if administrator_exists():
        raise ValidationError(
            _(
                "This programme has an administrator already; `laydown init` runs once. "
                "Ask an administrator to create your account."
            ),
            fields={"admin": _("exists")},
        )
    seed = os.urandom(20)
    with transaction.atomic():
        org = Organisation.objects.filter(code=org_code.strip().lower()).first()
        if org is None:
            org = accounts.org_create(
                actor=accounts.SYSTEM, code=org_code, name=org_name, kind=OrgKind.OPERATOR
            )
        user = accounts.user_create(
            actor=accounts.SYSTEM,
            username=username,
            password=password,
            organisation=org.code,
            email=email,
        )
        accounts.role_grant(actor=accounts.SYSTEM, user=user, role=Role.ADMIN, scope="programme")
        device = accounts.second_factor_install(
            actor=accounts.SYSTEM, user=user, key_hex=seed.hex()
        )
    secret = base64.b32encode(seed).decode()
    return FirstAdministrator(organisation=org, user=user, device=device, totp_secret=secret)

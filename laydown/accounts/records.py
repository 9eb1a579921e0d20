"""Record kinds of accounts, and how each is applied to the projection tables."""

from __future__ import annotations

from laydown.accounts.models import ApiToken, Organisation, RoleGrant, User
from laydown.ledger import kinds
from laydown.ledger.models import Record


def _apply_org_created(record: Record) -> None:
    d = record.data
    Organisation.objects.update_or_create(
        code=d["code"], defaults={"name": d["name"], "kind": d["kind"], "created_at": record.at}
    )


def _apply_role_granted(record: Record) -> None:
    d = record.data
    RoleGrant.objects.create(
        user=User.objects.get(pseudonym=d["user"]),
        role=d["role"],
        scope=d["scope"],
        granted_at=record.at,
        granted_by=record.actor,
    )


def _apply_role_revoked(record: Record) -> None:
    d = record.data
    RoleGrant.objects.filter(user__pseudonym=d["user"], role=d["role"], scope=d["scope"]).delete()


def _apply_token_created(record: Record) -> None:
    d = record.data
    user = User.objects.get(pseudonym=d["user"])
    ApiToken.objects.create(
        public_id=d["token"],
        user=user,
        organisation=Organisation.objects.get(code=d["organisation"]),
        name=d["name"],
        digest=d["digest"],
        actions=d["actions"],
        created_at=record.at,
        expires_at=d["expires_at"],
    )


def _apply_token_revoked(record: Record) -> None:
    ApiToken.objects.filter(public_id=record.data["token"], revoked_at=None).update(
        revoked_at=record.at
    )


def _reset() -> None:
    # Organisations keep their rows (users point at them); apply updates them in place.
    RoleGrant.objects.all().delete()
    ApiToken.objects.all().delete()


ORG_CREATED = kinds.register(
    "accounts.org_created", description="An organisation was created.", apply=_apply_org_created
)
USER_CREATED = kinds.register(
    "accounts.user_created",
    description="A user account was created (pseudonym and organisation only; credentials "
    "stay out of the log).",
)
ROLE_GRANTED = kinds.register(
    "accounts.role_granted", description="A role was granted.", apply=_apply_role_granted
)
ROLE_REVOKED = kinds.register(
    "accounts.role_revoked", description="A role was revoked.", apply=_apply_role_revoked
)
TOKEN_CREATED = kinds.register(
    "accounts.token_created", description="An API token was created.", apply=_apply_token_created
)
TOKEN_REVOKED = kinds.register(
    "accounts.token_revoked", description="An API token was revoked.", apply=_apply_token_revoked
)
SIGNIN_THROTTLED = kinds.register(
    "accounts.signin_throttled",
    description="Sign-in failures for one account went above the throttle; it is locked out.",
)
kinds.register_reset(_reset)
SECOND_FACTOR_ENROLLED = kinds.register(
    "accounts.second_factor_enrolled",
    description="A user confirmed a TOTP second factor (the secret stays out of the log).",
)
SECOND_FACTOR_RESET = kinds.register(
    "accounts.second_factor_reset",
    description="An administrator removed a user's second factor; they enrol again at sign-in.",
)

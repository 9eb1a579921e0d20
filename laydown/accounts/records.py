"""Record kinds of accounts, and how each is applied to the projection tables.

Organisations, users, role grants and API tokens are rebuilt from these records, so a replay
into an empty database gives every user back, with their organisation and roles. Credentials
are not: password hashes and TOTP devices never enter the log. After such a replay users have
no usable password and no second factor; an administrator sets a new password
(`laydown user password USERNAME`) and the user enrols a second factor at the next sign-in.
"""

from __future__ import annotations

from laydown.accounts import token_cache
from laydown.accounts.models import ApiToken, Organisation, ProgrammeProfile, RoleGrant, User
from laydown.ledger import kinds
from laydown.ledger.models import Record


def _apply_org_created(record: Record) -> None:
    d = record.data
    Organisation.objects.update_or_create(
        code=d["code"], defaults={"name": d["name"], "kind": d["kind"], "created_at": record.at}
    )
    token_cache.access_changed()  # the programme's profile names its operator


def _apply_user_created(record: Record) -> None:
    """Create the user's row (or update it in place, keeping its credentials) from the record.

    Records written before they carried the username (only `user` and `organisation`) rebuild
    a missing user under its pseudonym as username; an existing row keeps its username.
    """
    d = record.data
    values: dict[str, object] = {
        "organisation": Organisation.objects.get(code=d["organisation"]),
        "date_joined": record.at,
        "is_active": True,
    }
    if "username" in d:
        values.update(username=d["username"], email=d["email"])
    if "name" in d:
        values["name"] = d["name"]
    user, created = User.objects.update_or_create(
        pseudonym=d["user"],
        defaults=values,
        create_defaults={"username": d["user"], "password": "", **values},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])


def _apply_user_active(active: bool) -> kinds.Apply:
    def apply(record: Record) -> None:
        User.objects.filter(pseudonym=record.data["user"]).update(is_active=active)
        token_cache.access_changed()

    return apply


def _apply_role_granted(record: Record) -> None:
    d = record.data
    RoleGrant.objects.create(
        user=User.objects.get(pseudonym=d["user"]),
        role=d["role"],
        scope=d["scope"],
        granted_at=record.at,
        granted_by=record.actor,
    )
    token_cache.access_changed()


def _apply_role_revoked(record: Record) -> None:
    d = record.data
    RoleGrant.objects.filter(user__pseudonym=d["user"], role=d["role"], scope=d["scope"]).delete()
    token_cache.access_changed()


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
    token_cache.access_changed()


def _reset() -> None:
    # Organisations and users keep their rows: users hold credentials that are not in the log,
    # and other apps' rows point at organisations. Their applies update them in place.
    RoleGrant.objects.all().delete()
    ApiToken.objects.all().delete()
    ProgrammeProfile.objects.all().delete()
    token_cache.access_changed()


def _apply_programme_profile_set(record: Record) -> None:
    d = record.data
    ProgrammeProfile.objects.update_or_create(
        pk=1,
        defaults={
            "name": d["name"],
            "operator": Organisation.objects.get(code=d["operator"]),
            "classification": d["classification"],
            "default_language": d["default_language"],
            "languages": d["languages"],
            "time_zone": d["time_zone"],
            "regions": d["regions"],
            "logo": d["logo"],
            "updated_at": record.at,
        },
    )
    token_cache.access_changed()  # the profile kept in memory by every process


ORG_CREATED = kinds.register(
    "accounts.org_created", description="An organisation was created.", apply=_apply_org_created
)
USER_CREATED = kinds.register(
    "accounts.user_created",
    description="A user account was created: pseudonym, username, e-mail, organisation and "
    "the user's name if given (the password stays out of the log).",
    apply=_apply_user_created,
)
USER_DEACTIVATED = kinds.register(
    "accounts.user_deactivated",
    description="An administrator deactivated a user: no sign-in, no API token works.",
    apply=_apply_user_active(False),
)
USER_REACTIVATED = kinds.register(
    "accounts.user_reactivated",
    description="An administrator reactivated a deactivated user.",
    apply=_apply_user_active(True),
)
PASSWORD_SET = kinds.register(
    "accounts.password_set",
    description="A user's password was set, by an administrator or by the user (the password "
    "and its hash stay out of the log).",
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
    description="Sign-in failures for one account reached the throttle: further tries wait "
    "longer and longer (the account is named by pseudonym; nothing typed is recorded).",
)
PROGRAMME_PROFILE_SET = kinds.register(
    "accounts.programme_profile_set",
    description="The programme's profile was set: {name, operator (organisation code), "
    "classification, default_language, languages, time_zone, regions [{code, name, pcode}], "
    "logo (SHA-256 of the file kept in the data directory, or empty)}.",
    apply=_apply_programme_profile_set,
)
kinds.register_reset(
    _reset,
    models=[m._meta.label for m in (Organisation, User, RoleGrant, ApiToken, ProgrammeProfile)],
    emptied=[m._meta.label for m in (RoleGrant, ApiToken, ProgrammeProfile)],
)
_CREDENTIALS = (
    "a secret: never in the log. After a replay into an empty database the user has none until "
    "an administrator sets one (`laydown user password`)"
)
kinds.register_not_replayed(
    {
        "accounts.User.password": "The password hash is " + _CREDENTIALS + ".",
        "accounts.User.last_login": "Sign-in state, not a recorded change.",
        "accounts.User.language": "A display preference the user sets, not a recorded change; "
        "after a replay the browser's language applies until the user chooses again.",
        "accounts.User.is_staff": "Django admin flag; Laydown has no Django admin (always false).",
        "accounts.User.is_superuser": "Django flag; Laydown grants access by role grants only "
        "(always false).",
        "otp_totp.TOTPDevice": "Second-factor devices hold TOTP seeds, secrets that stay out of "
        "the log (it records only that a user enrolled or was reset); users enrol again at "
        "their next sign-in.",
        "accounts.SealedTOTPDevice": "The same second-factor devices as otp_totp.TOTPDevice "
        "(a proxy that opens sealed seeds): secrets, kept out of the log.",
        "sessions.Session": "Sign-in sessions: short-lived state; users sign in again.",
        "accounts.SignInThrottle": "Failed sign-ins counted for the throttle: short-lived "
        "security state (an account reaching it is recorded, accounts.signin_throttled).",
        "auth.Group": "Django groups: Laydown grants access by role grants and has none.",
        "auth.Permission": "Django model permissions: created by `laydown migrate`; unused.",
        "auth.Group_permissions": "Links of Django groups and permissions: unused.",
        "accounts.User_groups": "Links of users and Django groups: unused (role grants instead).",
        "accounts.User_user_permissions": "Django per-user permissions: unused (role grants "
        "instead).",
        "contenttypes.ContentType": "Django's table of models: created by `laydown migrate`.",
    }
)
SECOND_FACTOR_ENROLLED = kinds.register(
    "accounts.second_factor_enrolled",
    description="A user confirmed a TOTP second factor (the secret stays out of the log).",
)
SECOND_FACTOR_RESET = kinds.register(
    "accounts.second_factor_reset",
    description="An administrator removed a user's second factor; they enrol again at sign-in.",
)

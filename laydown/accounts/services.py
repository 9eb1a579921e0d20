"""Writes of accounts: organisations, users, role grants, API tokens, sign-in throttles.

Each service authorises, validates, appends its ledger record and applies it, in one
transaction (docs/architecture.md, "The write path"). `SYSTEM` is the operator at the shell
(`laydown org create`, `laydown user create`, `laydown grant`): whoever holds the data
directory holds the keys anyway.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from laydown.access.permissions import ACTIONS, Principal, actor_of, authorize, is_allowed
from laydown.access.roles import OrgKind, Role, check_scope_string
from laydown.accounts import records, totp
from laydown.accounts.models import ApiToken, Organisation, RoleGrant, SealedTOTPDevice, User
from laydown.core.errors import ValidationError
from laydown.ledger import services as ledger
from laydown.ledger.models import Record

SYSTEM = Principal(
    user_id=None, pseudonym="system", organisation_id=None, grants=(("admin", "programme"),)
)
TOKEN_PREFIX = "ldt_"  # noqa: S105  (a marker that lets scanners spot leaked tokens)
MAX_TOKEN_DAYS = 366


def _check(principal: Principal, action: str) -> None:
    if principal is not SYSTEM:
        authorize(principal, action)


def _append(kind: str, data: dict[str, object], principal: Principal) -> Record:
    """Append the record; the ledger applies it to the projection in the same transaction."""
    return ledger.record_append(kind=kind, data=data, actor=actor_of(principal))


def org_create(*, actor: Principal, code: str, name: str, kind: str) -> Organisation:
    _check(actor, "accounts.org_manage")
    code = code.strip().lower()
    name = name.strip()
    if not code or slugify(code) != code or len(code) > 40:
        raise ValidationError(
            _("Code %(code)r: use lower-case letters, digits and dashes (at most 40).")
            % {"code": code},
            fields={"code": _("invalid")},
        )
    if not name or len(name) > 200:
        raise ValidationError(
            _("Give a name of 1 to 200 characters."), fields={"name": _("invalid")}
        )
    if kind not in OrgKind.values:
        raise ValidationError(
            _("Kind %(kind)r is not one of: %(kinds)s.")
            % {"kind": kind, "kinds": ", ".join(OrgKind.values)},
            fields={"kind": _("unknown")},
        )
    with transaction.atomic():
        if Organisation.objects.filter(code=code).exists():
            raise ValidationError(
                _("An organisation with code %(code)r exists.") % {"code": code},
                fields={"code": _("taken")},
            )
        _append(records.ORG_CREATED.name, {"code": code, "name": name, "kind": kind}, actor)
    return Organisation.objects.get(code=code)


def user_create(
    *,
    actor: Principal,
    username: str,
    password: str,
    organisation: str,
    email: str = "",
    name: str = "",
) -> User:
    """Create a user of `organisation` (its code). Raises ValidationError naming the field."""
    _check(actor, "accounts.user_manage")
    org = Organisation.objects.filter(code=organisation).first()
    if org is None:
        raise ValidationError(
            _("No organisation with code %(code)r.") % {"code": organisation},
            fields={"organisation": _("unknown")},
        )
    username = username.strip()
    if not username or User.objects.filter(username__iexact=username).exists():
        raise ValidationError(
            _("Username %(name)r is empty or taken.") % {"name": username},
            fields={"username": _("taken")},
        )
    user = User(username=username, email=email.strip(), organisation=org, name=name.strip())
    if len(user.name) > 150 or "\n" in user.name:
        raise ValidationError(
            _("A name is one line of at most 150 characters."), fields={"name": _("too long")}
        )
    _check_password(password, user)
    with transaction.atomic():
        # The record carries what replay needs to rebuild the row; its apply creates it. The
        # password hash, a secret, is set on the row only.
        _append(
            records.USER_CREATED.name,
            {
                "user": user.pseudonym,
                "username": user.username,
                "email": user.email,
                "organisation": org.code,
                **({"name": user.name} if user.name else {}),
            },
            actor,
        )
        user = User.objects.get(pseudonym=user.pseudonym)
        user.set_password(password)
        user.save(update_fields=["password"])
    return user


def user_active_set(*, actor: Principal, user: User, active: bool) -> None:
    """Deactivate `user` (no sign-in, no token works, sessions end) or reactivate them."""
    _check(actor, "accounts.user_manage")
    if active == user.is_active:
        raise ValidationError(
            (_("%(user)s is already active.") if active else _("%(user)s is already deactivated."))
            % {"user": user.username},
            fields={"user": _("unchanged")},
        )
    if not active and actor.user_id == user.pk:
        raise ValidationError(
            _("You cannot deactivate yourself; ask another administrator."),
            fields={"user": _("yourself")},
        )
    kind = records.USER_REACTIVATED if active else records.USER_DEACTIVATED
    with transaction.atomic():
        _append(kind.name, {"user": user.pseudonym}, actor)
    user.refresh_from_db(fields=["is_active"])


def user_password_set(*, actor: Principal, user: User, password: str) -> None:
    """Give `user` a new password (lost, or none after a replay into an empty database).

    The record says only that it was set, and by whom: the password and its hash stay out of
    the log. The user's sessions elsewhere end, as Django ends them on a password change.
    """
    _check(actor, "accounts.user_manage")
    _check_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        _append(records.PASSWORD_SET.name, {"user": user.pseudonym}, actor)


def password_change(*, actor: Principal, user: User, new: str, again: str) -> None:
    """`user` changes their own password (the view has checked the current one, behind the
    sign-in throttle). Recorded like an administrator's setting of it, with the user as actor;
    the user's other sessions end (the caller keeps the current one)."""
    _check(actor, "account.profile")
    if actor.user_id != user.pk:
        raise PermissionDenied(_("Only the user may change their own password this way."))
    if new != again:
        raise ValidationError(
            _("The two new passwords differ; type the same one twice."),
            fields={"again": _("differs")},
        )
    try:
        validate_password(new, user)
    except DjangoValidationError as exc:
        raise ValidationError(" ".join(exc.messages), fields={"new": _("too weak")}) from exc
    with transaction.atomic():
        user.set_password(new)
        user.save(update_fields=["password"])
        _append(records.PASSWORD_SET.name, {"user": user.pseudonym}, actor)


def language_set(*, user: User, language: str) -> None:
    """Keep `language` (a code of settings.LANGUAGES) as the language `user` reads Laydown in.

    A display preference of the user's own, not a recorded change (no ledger record)."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(
            _("Language %(code)r is not one of: %(all)s.")
            % {"code": language, "all": ", ".join(dict(settings.LANGUAGES))},
            fields={"language": _("unknown")},
        )
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationError(" ".join(exc.messages), fields={"password": _("too weak")}) from exc


def role_grant(*, actor: Principal, user: User, role: str, scope: str) -> RoleGrant:
    _check(actor, "accounts.role_grant")
    _check_role_and_scope(role, scope)
    with transaction.atomic():
        existing = RoleGrant.objects.filter(user=user, role=role, scope=scope).first()
        if existing is not None:
            return existing
        _append(
            records.ROLE_GRANTED.name,
            {"user": user.pseudonym, "role": role, "scope": scope},
            actor,
        )
    return RoleGrant.objects.get(user=user, role=role, scope=scope)


def role_revoke(*, actor: Principal, user: User, role: str, scope: str) -> None:
    _check(actor, "accounts.role_grant")
    with transaction.atomic():
        if not RoleGrant.objects.filter(user=user, role=role, scope=scope).exists():
            raise ValidationError(
                _("%(user)s has no role %(role)s at %(scope)s.")
                % {"user": user.username, "role": role, "scope": scope},
                fields={"role": _("not granted")},
            )
        _append(
            records.ROLE_REVOKED.name,
            {"user": user.pseudonym, "role": role, "scope": scope},
            actor,
        )


def _check_role_and_scope(role: str, scope: str) -> None:
    if role not in Role.values:
        raise ValidationError(
            _("Role %(role)r is not one of: %(roles)s.")
            % {"role": role, "roles": ", ".join(Role.values)},
            fields={"role": _("unknown")},
        )
    problem = check_scope_string(scope)
    if problem:
        raise ValidationError(
            _("Scope %(scope)r: %(problem)s.") % {"scope": scope, "problem": problem},
            fields={"scope": _("invalid")},
        )


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(
    *, actor: Principal, name: str, actions: list[str], days: int, owner: User | None = None
) -> tuple[ApiToken, str]:
    """Create a token for the acting user; return it with its secret, which is never stored.

    The operator at the shell (SYSTEM, `laydown token create USER`) gives the token to `owner`:
    it may hold only actions that the owner's roles allow."""
    _check(actor, "account.tokens")
    if actor is SYSTEM and owner is not None:
        user = owner
        if not user.is_active:
            raise ValidationError(
                _("%(user)s is deactivated.") % {"user": user.username},
                fields={"user": _("inactive")},
            )
        holder = Principal(
            user_id=user.pk,
            pseudonym=user.pseudonym,
            organisation_id=user.organisation_id,
            grants=tuple(user.grants.values_list("role", "scope")),
        )
    elif actor.user_id is None:
        raise ValidationError(
            _("Only a signed-in user can own a token."), fields={"user": _("missing")}
        )
    else:
        user, holder = User.objects.get(pk=actor.user_id), actor
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError(
            _("Give the token a name of 1 to 100 characters."), fields={"name": _("invalid")}
        )
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationError(
            _("A token lives 1 to %(max)d days.") % {"max": MAX_TOKEN_DAYS},
            fields={"days": _("out of range")},
        )
    unknown = [a for a in actions if a not in ACTIONS]
    denied = [a for a in actions if a in ACTIONS and not is_allowed(holder, a)]
    if not actions or unknown or denied:
        raise ValidationError(
            _("Choose actions that your roles allow. Unknown: %(unknown)s; not yours: %(denied)s.")
            % {"unknown": ", ".join(unknown) or "—", "denied": ", ".join(denied) or "—"},
            fields={"actions": _("invalid")},
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    public_id = secrets.token_hex(6)
    expires = timezone.now() + dt.timedelta(days=days)
    with transaction.atomic():
        _append(
            records.TOKEN_CREATED.name,
            {
                "token": public_id,
                "user": user.pseudonym,
                "organisation": user.organisation.code if user.organisation else "",
                "name": name,
                "digest": token_digest(secret),
                "actions": sorted(set(actions)),
                "expires_at": expires.isoformat(),
            },
            actor,
        )
    return ApiToken.objects.get(public_id=public_id), secret


def token_revoke(*, actor: Principal, public_id: str) -> None:
    token = ApiToken.objects.filter(public_id=public_id, revoked_at=None).first()
    own = token is not None and token.user_id == actor.user_id
    if token is None or not (own or is_allowed(actor, "accounts.token_revoke_any")):
        # Someone else's token looks exactly like a missing one.
        raise ValidationError(
            _("No active token %(id)s of yours.") % {"id": public_id},
            fields={"token": _("unknown")},
        )
    with transaction.atomic():
        _append(records.TOKEN_REVOKED.name, {"token": public_id}, actor)


def token_issue_for(
    *, actor: Principal, action: str, user: User, name: str, actions: list[str], days: int
) -> tuple[ApiToken, str]:
    """Create a token for another `user` (a device enrolled for them by a supervisor), allowed
    to `actor` by `action`; limited to `actions` that the user's own roles allow. Call inside the
    caller's transaction so that the token and what it is for commit together."""
    _check(actor, action)
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationError(
            _("A token lives 1 to %(max)d days.") % {"max": MAX_TOKEN_DAYS},
            fields={"days": _("out of range")},
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    public_id = secrets.token_hex(6)
    expires = timezone.now() + dt.timedelta(days=days)
    _append(
        records.TOKEN_CREATED.name,
        {
            "token": public_id,
            "user": user.pseudonym,
            "organisation": user.organisation.code if user.organisation else "",
            "name": name[:100],
            "digest": token_digest(secret),
            "actions": sorted(set(actions)),
            "expires_at": expires.isoformat(),
        },
        actor,
    )
    return ApiToken.objects.get(public_id=public_id), secret


def token_withdraw(*, actor: Principal, action: str, public_id: str) -> None:
    """Revoke a token that `actor` issued for someone else under `action` (a device's)."""
    _check(actor, action)
    if ApiToken.objects.filter(public_id=public_id, revoked_at=None).exists():
        _append(records.TOKEN_REVOKED.name, {"token": public_id}, actor)


def signin_throttled(*, user: User, failures: int) -> None:
    """Record that sign-ins to `user`'s account reached the throttle after `failures` failures
    (each further try waits longer); the record names the account by pseudonym, nothing typed."""
    data: dict[str, object] = {"user": user.pseudonym, "failures": failures}
    with transaction.atomic():
        ledger.record_append(kind=records.SIGNIN_THROTTLED.name, data=data, actor="system")


# ---- Second factor (TOTP). A device holds a secret, so like a password it stays out of the log;
# the log records only that a user enrolled, or that an administrator reset the second factor.

TOTP_DEVICE_NAME = "Authenticator app"


def _acting_user(actor: Principal) -> User:
    _check(actor, "account.profile")
    if actor.user_id is None:
        raise ValidationError(_("Sign in first."), fields={"user": _("missing")})
    return User.objects.get(pk=actor.user_id)


def second_factor_begin(*, actor: Principal) -> SealedTOTPDevice:
    """The acting user's unconfirmed TOTP device, created on the first call (nothing in force)."""
    user = _acting_user(actor)
    device = SealedTOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = SealedTOTPDevice.objects.create(
            user=user, name=TOTP_DEVICE_NAME, key=totp.seed_new(user_id=user.pk), confirmed=False
        )
    return device


def _totp_check(device: SealedTOTPDevice, code: str) -> SealedTOTPDevice:
    """Verify `code` against `device`, or raise. A failure is committed before we raise, so
    django-otp's throttle (1, 2, 4, ... seconds between tries) holds against guessing."""
    with transaction.atomic():
        device = SealedTOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, info = device.verify_is_allowed()
        verified = allowed and device.verify_token("".join(code.split()))
    if not allowed:
        wait = (info or {}).get("locked_until", timezone.now()) - timezone.now()
        raise ValidationError(
            _("Too many wrong codes. Wait %(seconds)d seconds, then enter the current code.")
            % {"seconds": max(1, int(wait.total_seconds()) + 1)},
            fields={"code": _("throttled")},
        )
    if not verified:
        raise ValidationError(
            _("That code is not right. Enter the 6-digit code your authenticator app shows now."),
            fields={"code": _("wrong code")},
        )
    return device


def second_factor_confirm(*, actor: Principal, code: str) -> SealedTOTPDevice:
    """Confirm the acting user's new device with a code from it; it replaces any older one."""
    user = _acting_user(actor)
    device = SealedTOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        raise ValidationError(
            _("There is no second factor waiting to be confirmed; reload the page."),
            fields={"code": _("no device")},
        )
    device = _totp_check(device, code)
    with transaction.atomic():
        SealedTOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        _append(records.SECOND_FACTOR_ENROLLED.name, {"user": user.pseudonym}, actor)
    return device


def second_factor_verify(*, actor: Principal, code: str) -> SealedTOTPDevice:
    """The acting user's confirmed device if `code` is right; raises ValidationError if not."""
    user = _acting_user(actor)
    device = SealedTOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        raise ValidationError(
            _("You have no second factor yet; reload the page to set one up."),
            fields={"code": _("no device")},
        )
    return _totp_check(device, code)


def second_factor_reset(*, actor: Principal, user: User) -> None:
    """Remove `user`'s TOTP devices (a lost phone); they enrol again at their next sign-in."""
    _check(actor, "accounts.user_manage")
    with transaction.atomic():
        if not SealedTOTPDevice.objects.filter(user=user).exists():
            raise ValidationError(
                _("%(user)s has no second factor to reset.") % {"user": user.username},
                fields={"user": _("no device")},
            )
        SealedTOTPDevice.objects.filter(user=user).delete()
        _append(records.SECOND_FACTOR_RESET.name, {"user": user.pseudonym}, actor)


def second_factor_install(*, actor: Principal, user: User, key_hex: str) -> SealedTOTPDevice:
    """Give `user` a confirmed device with a known key: for the demo, whose secrets are printed."""
    _check(actor, "accounts.user_manage")
    with transaction.atomic():
        SealedTOTPDevice.objects.filter(user=user).delete()
        key = totp.seed_seal(bytes.fromhex(key_hex), user_id=user.pk)
        device = SealedTOTPDevice.objects.create(
            user=user, name=TOTP_DEVICE_NAME, key=key, confirmed=True
        )
        _append(records.SECOND_FACTOR_ENROLLED.name, {"user": user.pseudonym}, actor)
    return device

"""Reads of accounts: organisations, users, grants, tokens, second factors."""

from __future__ import annotations

import base64
from dataclasses import dataclass

import segno
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from laydown.access.permissions import ACTIONS, ANYONE, Action, Principal, is_allowed
from laydown.access.roles import SECOND_FACTOR_ROLES, OrgKind, Role
from laydown.accounts import services
from laydown.accounts.models import ApiToken, Organisation, RoleGrant, SealedTOTPDevice, User
from laydown.core.errors import ValidationError


def organisation_list() -> QuerySet[Organisation]:
    return Organisation.objects.order_by("name")


def organisation_choices() -> list[tuple[str, str]]:
    return [(org.code, f"{org.name} ({org.code})") for org in organisation_list()]


def user_list(*, organisation: str | None = None) -> QuerySet[User]:
    users = User.objects.select_related("organisation").prefetch_related(
        Prefetch("grants", queryset=RoleGrant.objects.order_by("role", "scope"))
    )
    if organisation:
        users = users.filter(organisation__code=organisation)
    return users.order_by("username")


def user_get(user_id: int) -> User | None:
    return user_list().filter(pk=user_id).first()


def grant_list(user: User) -> QuerySet[RoleGrant]:
    return user.grants.order_by("role", "scope")


@dataclass(frozen=True)
class GrantView:
    role: str
    role_label: str
    scope: str
    needs_second_factor: bool


def grants_described(user: User) -> list[GrantView]:
    labels = dict(Role.choices)
    return [
        GrantView(g.role, str(labels.get(g.role, g.role)), g.scope, g.role in SECOND_FACTOR_ROLES)
        for g in grant_list(user)
    ]


def second_factor_device(user: User) -> SealedTOTPDevice | None:
    """The user's confirmed TOTP device, if any."""
    return SealedTOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def second_factor_required(user: User) -> bool:
    return user.grants.filter(role__in=SECOND_FACTOR_ROLES).exists()


@dataclass(frozen=True)
class Enrolment:
    secret: str  # base32, in groups of four for typing
    uri: str  # otpauth://totp/...
    qr_svg: SafeString


def second_factor_enrolment(device: SealedTOTPDevice) -> Enrolment:
    secret = base64.b32encode(device.bin_key).decode()
    uri = device.config_url
    svg = segno.make(uri, error="m").svg_inline(scale=4, title=_("QR code of your TOTP secret"))
    return Enrolment(
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        uri=uri,
        qr_svg=mark_safe(svg),  # noqa: S308  (segno's SVG paths; no user text but the title)
    )


@dataclass(frozen=True)
class TokenView:
    public_id: str
    name: str
    owner: str
    actions: list[str]
    created_at: object
    expires_at: object
    status: str  # "active", "expired", "revoked"
    status_label: str


def _token_view(token: ApiToken) -> TokenView:
    now = timezone.now()
    if token.revoked_at is not None:
        status, label = "revoked", _("revoked")
    elif token.expires_at <= now:
        status, label = "expired", _("expired")
    else:
        status, label = "active", _("active")
    return TokenView(
        public_id=token.public_id,
        name=token.name,
        owner=token.user.username,
        actions=list(token.actions),
        created_at=token.created_at,
        expires_at=token.expires_at,
        status=status,
        status_label=str(label),
    )


def token_list(*, user_id: int) -> list[TokenView]:
    """One user's tokens, newest first."""
    tokens = ApiToken.objects.select_related("user").filter(user_id=user_id)
    return [_token_view(t) for t in tokens.order_by("-created_at", "-pk")]


def token_actions_offered(principal: Principal) -> list[Action]:
    """The actions a new token of `principal` may carry: what their roles allow, bar the public."""
    return [
        action
        for name, action in sorted(ACTIONS.items())
        if action.audience != ANYONE and is_allowed(principal, name)
    ]


def token_authenticate(secret: str) -> ApiToken | None:
    """The active token with this secret, or None (unknown, revoked or expired)."""
    if not secret.startswith(services.TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user").filter(digest=services.token_digest(secret)).first()
    )
    if token is None or token.revoked_at is not None or token.expires_at <= timezone.now():
        return None
    return token


def grants_at(scope: str) -> QuerySet[RoleGrant]:
    """Who holds which role at exactly `scope` (`site:CODE`, `region:CODE`): a site's staff."""
    return (
        RoleGrant.objects.filter(scope=scope, user__is_active=True)
        .select_related("user", "user__organisation")
        .order_by("user__username", "role")
    )


def user_choices() -> list[tuple[str, str]]:
    """Active users as (username, "username (organisation)") for a form's choice."""
    users = User.objects.filter(is_active=True).select_related("organisation").order_by("username")
    return [
        (u.username, f"{u.username} ({u.organisation.code if u.organisation else '-'})")
        for u in users
    ]


def user_by_username(username: str) -> User:
    """The active user `username`; ValidationError naming the field `user` if there is none."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationError(
            _("No active user %(u)s.") % {"u": username}, fields={"user": _("unknown")}
        )
    return user


def organisation_kind(code: str) -> str | None:
    return Organisation.objects.filter(code=code).values_list("kind", flat=True).first()


def token_by_secret(secret: str) -> ApiToken | None:
    """The token with this secret whatever its state (revoked and expired ones too), or None."""
    if not secret.startswith(services.TOKEN_PREFIX):
        return None
    digest = services.token_digest(secret)
    return ApiToken.objects.select_related("user").filter(digest=digest).first()


@dataclass(frozen=True)
class Person:
    pseudonym: str
    name: str  # the display name, or the username when the user gave none
    organisation_id: int | None
    roles: tuple[str, ...]


class PeopleDirectory:
    """Who a pseudonym in a record is, as one viewer may see it (docs/security.md, "Names of
    users"): the viewer's colleagues in the same organisation, and everyone for a viewer of the
    programme's operator, by name; anyone else by role and pseudonym; an anonymous viewer never by
    name. Every user is read once (two queries) on the first question, so a long list of records
    costs no query per row; programmes have hundreds of users, not millions."""

    def __init__(self, viewer: User | None) -> None:
        self.viewer = viewer if viewer is not None and viewer.is_authenticated else None
        self._people: dict[str, Person] | None = None

    def _load(self) -> dict[str, Person]:
        roles: dict[int, set[str]] = {}
        for user_id, role in RoleGrant.objects.values_list("user_id", "role"):
            roles.setdefault(user_id, set()).add(role)
        return {
            pseudonym: Person(
                pseudonym=pseudonym,
                name=name or username,
                organisation_id=org_id,
                roles=tuple(sorted(roles.get(pk, ()))),
            )
            for pk, pseudonym, name, username, org_id in User.objects.values_list(
                "pk", "pseudonym", "name", "username", "organisation_id"
            )
        }

    def person(self, pseudonym: str) -> Person | None:
        if self._people is None:
            self._people = self._load()
        return self._people.get(pseudonym)

    def may_see_name(self, person: Person) -> bool:
        viewer = self.viewer
        if viewer is None:
            return False
        if viewer.pseudonym == person.pseudonym:
            return True
        if viewer.organisation_id is not None and viewer.organisation_id == person.organisation_id:
            return True
        return viewer.organisation is not None and viewer.organisation.kind == OrgKind.OPERATOR

    def shown(self, pseudonym: str) -> SafeString:
        """The person as HTML: the name (the pseudonym on hover), or roles and the pseudonym;
        an actor that is no user (the system, a witness) as it is."""
        if not pseudonym:
            return SafeString("")  # nobody yet (a shipment not received, a cycle not approved)
        person = self.person(pseudonym)
        if person is None:
            return format_html("{}", pseudonym)
        if self.may_see_name(person):
            return format_html(
                '<span class="person" title="{}">{}</span>', person.pseudonym, person.name
            )
        roles = ", ".join(str(Role(r).label) for r in person.roles if r in Role.values)
        return format_html(
            '<span class="person">{}{}<code>{}</code></span>',
            roles,
            " " if roles else "",
            person.pseudonym,
        )

"""Accounts in the API: who am I, API tokens, organisations, users and their role grants.

Every operation wears `@api_action(...)` under its route, parses, calls one service or selector,
and returns a schema. Passwords, password hashes and token digests never leave the server; a
token's secret is returned once, when it is created.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from laydown.accounts import api_selectors as selectors
from laydown.accounts import services
from laydown.accounts.api_auth import api_action, principal
from laydown.accounts.models import ApiToken, Organisation, User

router = Router(tags=["accounts"])


class GrantSchema(Schema):
    role: str = Field(description="one of the roles in docs/permissions.md")
    scope: str = Field(description="'programme', 'site:<code>' or 'region:<code>'")


class OrganisationOut(Schema):
    code: str
    name: str
    kind: str
    created_at: dt.datetime


class OrganisationIn(Schema):
    code: str
    name: str
    kind: str


class MeOut(Schema):
    username: str
    pseudonym: str
    organisation: OrganisationOut | None
    roles: list[GrantSchema]
    token_actions: list[str] | None = Field(
        description="the actions of the API token in use; null when signed in with a session"
    )


class UserOut(Schema):
    username: str
    pseudonym: str
    organisation: str | None
    is_active: bool
    roles: list[GrantSchema]


class UserIn(Schema):
    username: str
    password: str
    organisation: str = Field(description="the organisation's code")
    email: str = ""


class TokenOut(Schema):
    id: str
    name: str
    organisation: str
    actions: list[str]
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None


class TokenCreated(TokenOut):
    secret: str = Field(description="shown this once; only its SHA-256 is stored")


class TokenIn(Schema):
    name: str
    actions: list[str] = Field(description="actions from docs/permissions.md that your roles allow")
    days: int = Field(90, description="lifetime in days, 1 to 366")


def _grants(user: User) -> list[GrantSchema]:
    return [GrantSchema(role=g.role, scope=g.scope) for g in user.grants.all()]


def _user_out(user: User) -> UserOut:
    org = user.organisation.code if user.organisation else None
    return UserOut(
        username=user.username,
        pseudonym=user.pseudonym,
        organisation=org,
        is_active=user.is_active,
        roles=_grants(user),
    )


def _token_out(token: ApiToken) -> dict[str, object]:
    return {
        "id": token.public_id,
        "name": token.name,
        "organisation": token.organisation.code,
        "actions": token.actions,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "revoked_at": token.revoked_at,
    }


def _user_or_404(pseudonym: str) -> User:
    user = selectors.user_by_pseudonym(pseudonym)
    if user is None:
        raise Http404(_("No user with pseudonym %(id)s.") % {"id": pseudonym})
    return user


@router.get("/me", response=MeOut, url_name="me")
@api_action("account.profile")
def me(request: HttpRequest) -> MeOut:
    """Who is calling: the user, their organisation and roles, and the token's actions."""
    acting = principal(request)
    user = _user_or_404(acting.pseudonym or "")
    # A token speaks for the organisation it was issued in: the principal's, not the user's.
    org = Organisation.objects.filter(pk=acting.organisation_id or 0).first()
    return MeOut(
        username=user.username,
        pseudonym=user.pseudonym,
        organisation=OrganisationOut.model_validate(org) if org else None,
        roles=[GrantSchema(role=r, scope=s) for r, s in acting.grants],
        token_actions=sorted(acting.token_actions) if acting.token_actions is not None else None,
    )


@router.get("/tokens", response=list[TokenOut], url_name="token_list")
@api_action("account.tokens")
def token_list(request: HttpRequest) -> list[dict[str, object]]:
    """Your own API tokens, newest first, revoked and expired ones included."""
    return [_token_out(t) for t in selectors.token_list_own(principal=principal(request))]


@router.post("/tokens", response={201: TokenCreated}, url_name="token_create")
@api_action("account.tokens")
def token_create(request: HttpRequest, payload: TokenIn) -> Status[Any]:
    """Create a token for yourself. Its secret is in this response and nowhere else, ever."""
    token, secret = services.token_create(
        actor=principal(request), name=payload.name, actions=payload.actions, days=payload.days
    )
    return Status(201, {**_token_out(token), "secret": secret})


@router.post("/tokens/{public_id}/revoke", response=TokenOut, url_name="token_revoke")
@api_action("account.tokens")
def token_revoke(request: HttpRequest, public_id: str) -> dict[str, object]:
    """Revoke one of your tokens (administrators: anyone's). It stops working at once."""
    acting = principal(request)
    if selectors.token_revocable(principal=acting, public_id=public_id) is None:
        raise Http404(_("No active token %(id)s of yours.") % {"id": public_id})
    services.token_revoke(actor=acting, public_id=public_id)
    return _token_out(ApiToken.objects.select_related("organisation").get(public_id=public_id))


@router.get("/organisations", response=list[OrganisationOut], url_name="organisation_list")
@api_action("accounts.org_manage")
def organisation_list(request: HttpRequest) -> list[Organisation]:
    return list(selectors.organisation_list())


@router.post("/organisations", response={201: OrganisationOut}, url_name="organisation_create")
@api_action("accounts.org_manage")
def organisation_create(request: HttpRequest, payload: OrganisationIn) -> Status[Any]:
    org = services.org_create(
        actor=principal(request), code=payload.code, name=payload.name, kind=payload.kind
    )
    return Status(201, org)


@router.get("/organisations/{code}", response=OrganisationOut, url_name="organisation_detail")
@api_action("accounts.org_view")
def organisation_detail(request: HttpRequest, code: str) -> Organisation:
    """One organisation: your own, or any if your role sees every organisation."""
    org = selectors.organisation_visible(principal=principal(request), code=code)
    if org is None:
        raise Http404(_("No organisation %(code)s that you may see.") % {"code": code})
    return org


@router.get("/users", response=list[UserOut], url_name="user_list")
@api_action("accounts.user_manage")
def user_list(request: HttpRequest) -> list[UserOut]:
    return [_user_out(u) for u in selectors.user_list()]


@router.post("/users", response={201: UserOut}, url_name="user_create")
@api_action("accounts.user_manage")
def user_create(request: HttpRequest, payload: UserIn) -> Status[Any]:
    user = services.user_create(
        actor=principal(request),
        username=payload.username,
        password=payload.password,
        organisation=payload.organisation,
        email=payload.email,
    )
    return Status(201, _user_out(user))


@router.post("/users/{pseudonym}/grants", response=UserOut, url_name="role_grant")
@api_action("accounts.role_grant")
def role_grant(request: HttpRequest, pseudonym: str, payload: GrantSchema) -> UserOut:
    user = _user_or_404(pseudonym)
    services.role_grant(actor=principal(request), user=user, role=payload.role, scope=payload.scope)
    return _user_out(_user_or_404(pseudonym))


@router.post("/users/{pseudonym}/grants/revoke", response=UserOut, url_name="role_revoke")
@api_action("accounts.role_grant")
def role_revoke(request: HttpRequest, pseudonym: str, payload: GrantSchema) -> UserOut:
    user = _user_or_404(pseudonym)
    services.role_revoke(
        actor=principal(request), user=user, role=payload.role, scope=payload.scope
    )
    return _user_out(_user_or_404(pseudonym))

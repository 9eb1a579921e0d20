"""From a request to a Principal, and the decorator every view wears.

`requires(action)` is the only way a view is exposed: the URL-walk test fails for any view
without it, so no page can be added without an entry in the permission matrix.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import urlsplit

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect
from django.urls import Resolver404, resolve

from laydown.access.permissions import (
    ACTIONS,
    ANONYMOUS,
    ANYONE,
    Principal,
    authorize,
    is_allowed,
)
from laydown.access.roles import SECOND_FACTOR_ROLES, Scope

View = Callable[..., HttpResponseBase]


class GrantHolder(Protocol):
    """What a Principal is made from: `accounts.User` (not imported: this module is below it)."""

    @property
    def pk(self) -> Any: ...
    @property
    def pseudonym(self) -> str: ...
    @property
    def organisation_id(self) -> int | None: ...
    @property
    def grants(self) -> Any: ...  # the user's role grants: a manager of (role, scope) rows


def principal_for_user(user: GrantHolder, token_actions: frozenset[str] | None = None) -> Principal:
    grants = tuple(user.grants.values_list("role", "scope"))
    return Principal(
        user_id=user.pk,
        pseudonym=user.pseudonym,
        organisation_id=user.organisation_id,
        grants=grants,
        token_actions=token_actions,
    )


def principal_of(request: HttpRequest) -> Principal:
    cached = getattr(request, "_laydown_principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    user = request.user
    principal = principal_for_user(user) if user.is_authenticated else ANONYMOUS
    request._laydown_principal = principal  # type: ignore[attr-defined]
    return principal


def needs_second_factor(request: HttpRequest, principal: Principal) -> bool:
    """Admins, custodians and observers act only after a TOTP check in this session."""
    if not principal.roles() & SECOND_FACTOR_ROLES:
        return False
    is_verified = getattr(request.user, "is_verified", None)
    return not (is_verified and is_verified())


def requires(action: str, *, programme_wide: bool = False) -> Callable[[View], View]:
    """Expose a view for `action`; `programme_wide` pages (figures across every site) also
    need a grant for the whole programme, not for one site or region."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}: define it in the permission matrix")
    scope = Scope() if programme_wide else None

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            principal = principal_of(request)
            if principal.is_anonymous and ACTIONS[action].audience != ANYONE:
                return redirect_to_login(request.get_full_path())
            if ACTIONS[action].audience != ANYONE and needs_second_factor(request, principal):
                return redirect("accounts:second_factor")
            authorize(principal, action, scope=scope)  # PermissionDenied -> the 403 page
            return view(request, *args, **kwargs)

        wrapped.laydown_action = action  # type: ignore[attr-defined]
        wrapped.laydown_scope = scope  # type: ignore[attr-defined]
        return wrapped

    return decorate


def may_open(principal: Principal, url: str) -> bool:
    """Whether the page at `url` (a path of this site) lets `principal` in, by the action and
    scope its view declares: links to pages one may not open are not shown (no link to a 403)."""
    try:
        view = resolve(urlsplit(url).path).func
    except Resolver404:
        return False
    action = getattr(view, "laydown_action", None)
    if action is None:
        return False
    return is_allowed(principal, action, scope=getattr(view, "laydown_scope", None))

"""How an API request proves who it is, and the one way an API operation declares its action.

Two ways in: an API token (`Authorization: Bearer ldt_…`) or the browser session (with its
CSRF token on unsafe methods, and its second factor for the roles that need one). Either gives
a `Principal`. `api_action(action)` is the API's twin of `access.requires`: it names the
operation's action in the permission matrix and authorises it *before* the request body is
parsed, so a caller without the right learns nothing from validation errors either.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf, contribute_operation_callback

from laydown.access.permissions import (
    ACTIONS,
    ANONYMOUS,
    ANYONE,
    NotAuthenticated,
    Principal,
    authorize,
)
from laydown.access.web import needs_second_factor, principal_for_user, principal_of
from laydown.accounts import selectors, token_cache
from laydown.accounts.services import token_digest
from laydown.core.api_errors import document_errors

F = TypeVar("F", bound=Callable[..., Any])
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenInvalid(NotAuthenticated):
    """The bearer token is unknown, expired or revoked (which one is not said: no oracle)."""

    code = "token_invalid"


class SecondFactorRequired(NotAuthenticated):
    code = "second_factor_required"


class CsrfFailed(PermissionDenied):
    code = "csrf_failed"


def _authorized(request: HttpRequest, principal: Principal, action: str | None) -> Principal:
    request._laydown_principal = principal  # type: ignore[attr-defined]  # for principal_of
    if action is not None:
        authorize(principal, action)
    return principal


class BearerToken(HttpBearer):
    """`Authorization: Bearer <secret>` with a token from `POST /api/v1/tokens`."""

    def __init__(self, action: str | None = None) -> None:
        self.action = action
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> Principal:
        return _authorized(request, token_principal(token), self.action)


def token_principal(token: str) -> Principal:
    """Who a bearer token acts for (the token as ninja's HttpBearer hands it over); raises
    TokenInvalid. Kept for a few seconds (token_cache). laydown.ops.api_fast calls it too."""
    secret = token.strip()
    digest = token_digest(secret)
    principal = token_cache.get(digest)
    if principal is None:
        with token_cache.looked_up_once(digest):  # a thread looking it up now keeps it
            principal = token_cache.get(digest) or _looked_up(secret, digest)
    return principal


def _looked_up(secret: str, digest: str) -> Principal:
    """The token's principal from the database, kept (token_cache); raises TokenInvalid."""
    stamp = token_cache.stamp_read()
    api_token = selectors.token_authenticate(secret)
    if api_token is None or not api_token.user.is_active:
        raise TokenInvalid(
            _(
                "The token is invalid, expired or revoked. Create a new one on your "
                "profile page or with POST /api/v1/tokens."
            )
        )
    principal = principal_for_user(api_token.user, token_actions=frozenset(api_token.actions))
    # A token acts for the organisation it was issued in, whatever happens to its user.
    principal = dataclasses.replace(principal, organisation_id=api_token.organisation_id)
    token_cache.put(digest, api_token.expires_at, principal, stamp)
    return principal


class SessionCookie(APIKeyCookie):
    """The browser's signed-in session; unsafe methods need the CSRF token too."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self, action: str | None = None) -> None:
        self.action = action
        super().__init__(csrf=True)  # `csrf` also tells the API docs page to send the token

    def _get_key(self, request: HttpRequest) -> str | None:
        # The CSRF check waits until we know a user is signed in: without a session there is
        # nothing to forge, and the caller deserves "not authenticated" rather than "CSRF".
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Principal | None:
        if not request.user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise CsrfFailed(
                _(
                    "The CSRF check failed. Send the X-CSRFToken header with the value of the "
                    "csrftoken cookie, or use an API token instead of the session."
                )
            )
        principal = principal_of(request)
        if needs_second_factor(request, principal):
            raise SecondFactorRequired(
                _("Your roles need a second factor: confirm your code on the sign-in page first.")
            )
        return _authorized(request, principal, self.action)


class Public:
    """Lets anonymous callers through to operations whose action is open to anyone."""

    def __call__(self, request: HttpRequest) -> Principal:
        return ANONYMOUS


def credentials(action: str | None = None) -> list[Any]:
    """The auth callbacks of an operation: token first, then the session."""
    found: list[Any] = [BearerToken(action), SessionCookie(action)]
    if action is not None and ACTIONS[action].audience == ANYONE:
        found.append(Public())
    return found


def api_action(action: str) -> Callable[[F], F]:
    """Declare the action of an API operation; put it under the `@router.<method>` line.

    It marks the function (`laydown_action`, which the permission-walk test reads) and gives
    its operation auth callbacks that authorise `action` right after authenticating.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}: define it in the permission matrix")

    def decorate(func: F) -> F:
        def set_auth(operation: Any) -> None:
            operation.auth_param = credentials(action)
            operation._set_auth(operation.auth_param)
            document_errors(operation, public=ACTIONS[action].audience == ANYONE)
            # Integrators see in the OpenAPI document which action a token needs.
            operation.openapi_extra = {
                **(operation.openapi_extra or {}),
                "x-laydown-action": action,
            }

        func.laydown_action = action  # type: ignore[attr-defined]
        contribute_operation_callback(func, set_auth)
        return func

    return decorate


def principal(request: HttpRequest) -> Principal:
    """The authenticated principal of an API request."""
    found = getattr(request, "auth", None)
    return found if isinstance(found, Principal) else ANONYMOUS

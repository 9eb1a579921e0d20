"""API calls with a token through a short chain of middleware: a second Django handler.

An API call with `Authorization: Bearer …` and no session cookie is authenticated by its token
alone (laydown.accounts.api_auth: the bearer callback comes first and either accepts the token
or refuses the call), and its answer is JSON. The page middlewares have nothing to do for it:
the session (none is sent), CSRF (the API checks it itself, for sessions only), the signed-in
user and their second factor, their language (the API speaks the language of Accept-Language or
the language cookie, as LocaleMiddleware decides: kept), the programme's locale (pages only),
messages, static files, the health checks and OpenRosa's answers. Each still cost its share of
a registration's CPU (~15% went to the middleware chain, issue 20).

`TokenApiFront` sends such calls to `ApiHandler`, Django's WSGI handler with
settings.API_MIDDLEWARE in place of settings.MIDDLEWARE; the same URLs, views, exception
handlers, signals and error pages. What every answer must still have stays in that list: the
request id, the log line, the metrics, Django's security middleware, the language, the host
check and Content-Length (CommonMiddleware), the text guard and the security headers.
`NoSession` and `UserSeen` stand where the session and authentication middlewares were: the
caller sends no session, so `request.user` is the anonymous user the full chain would give,
and the answer says it varies with the cookie where the full chain says it.

Everything else takes the ordinary way: no bearer token, a session cookie, a path outside the
API's operations (its docs page and OpenAPI document are pages with a CSRF token).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse
from django.urls import ResolverMatch, URLResolver, get_resolver
from django.utils.cache import patch_vary_headers

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
API_PREFIX = "/api/v1/"
NOT_OPERATIONS = frozenset({"/api/v1/docs", "/api/v1/openapi.json"})
MATCHES_KEPT = 4096  # paths whose URL match the API's handler keeps (then it starts again)


class ApiHandler(WSGIHandler):
    """Django's WSGI handler with the middleware of settings.API_MIDDLEWARE."""

    def __init__(self) -> None:
        self._matches: dict[tuple[URLResolver, str], ResolverMatch] = {}
        super().__init__()

    def load_middleware(self, is_async: bool = False) -> None:
        """Django's own, from settings.API_MIDDLEWARE: it stands as settings.MIDDLEWARE while
        the chain is built. The handler is made once, as the WSGI application is made, before
        any request is served (laydown.wsgi)."""
        if is_async:
            raise ImproperlyConfigured("the API's handler is a WSGI (synchronous) handler")
        whole = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.API_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = whole

    def resolve_request(self, request: HttpRequest) -> ResolverMatch:
        """The URL resolver's match for this path, kept: the resolver tries the API's patterns
        one by one (15 nested calls for /api/v1/arms/items) and finds the same match for the
        same path each time. Only what resolved is kept, at most MATCHES_KEPT paths."""
        if hasattr(request, "urlconf"):
            return super().resolve_request(request)
        key = (get_resolver(), request.path_info)  # a new URLconf, a new resolver
        match = self._matches.get(key)
        if match is None:
            match = super().resolve_request(request)
            if len(self._matches) >= MATCHES_KEPT:
                self._matches.clear()
            self._matches[key] = match
        request.resolver_match = match
        return match


class NoSession:
    """Where SessionMiddleware was: the caller sends no session cookie, so the session is empty
    and nothing is saved; once the user has been looked at (`UserSeen`) the answer varies with
    the cookie, as SessionMiddleware says it then (a session cookie would take the other way)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, "_laydown_user_seen", False):
            patch_vary_headers(response, ("Cookie",))
        return response


class UserSeen:
    """Where the authentication middlewares and UserLanguageMiddleware were: the anonymous user
    (no session), looked at as UserLanguageMiddleware looks at every request that gets there."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.user = AnonymousUser()
        request._laydown_user_seen = True  # type: ignore[attr-defined]
        return self.get_response(request)


def token_call(environ: dict[str, Any]) -> bool:
    """Whether this request is an API operation called with a bearer token and no session."""
    path = environ.get("PATH_INFO", "")
    if not path.startswith(API_PREFIX) or path in NOT_OPERATIONS:
        return False
    # ninja's HttpBearer: the header's first word, in any case, then the token
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    if authorization.split(" ", 1)[0].lower() != "bearer":
        return False
    return settings.SESSION_COOKIE_NAME not in environ.get("HTTP_COOKIE", "")


class TokenApiFront:
    """A WSGI application: token calls of the API by `api`, everything else by `app`."""

    def __init__(self, app: WSGIApp, api: WSGIApp | None = None) -> None:
        self.app = app
        self.api = api if api is not None else ApiHandler()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if token_call(environ):
            return self.api(environ, start_response)
        return self.app(environ, start_response)

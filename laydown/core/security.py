"""Security headers that Django 5.2 does not set itself, above all a Content-Security-Policy."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.http import http_date
from django.views.debug import SafeExceptionReporterFilter


def content_security_policy(tile_url: str = "") -> str:
    """Everything from our own origin, no inline scripts; map tiles from their server if set."""
    tiles = urlsplit(tile_url)
    tile_origin = f" {tiles.scheme}://{tiles.netloc}" if tiles.scheme and tiles.netloc else ""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src 'self' data:{tile_origin}",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = content_security_policy(settings.LAYDOWN_MAP_TILES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.policy)
        response.setdefault("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if not response.has_header("Cache-Control") and _personal(request):
            never_cached(response)
        return response


def never_cached(response: HttpResponse) -> None:
    """`add_never_cache_headers(response)` for an answer without Cache-Control: with no
    Expires either (every API answer), its two headers written at once rather than parsed and
    patched twice (~5% of an API list's CPU)."""
    if response.has_header("Expires") or response.has_header("Cache-Control"):
        add_never_cache_headers(response)
        return
    response.headers["Expires"] = http_date(time.time())
    response.headers["Cache-Control"] = _NEVER


def _never_cache_control() -> str:
    """The Cache-Control that add_never_cache_headers gives an answer without one."""
    answer = HttpResponse()
    add_never_cache_headers(answer)
    return answer.headers["Cache-Control"]


_NEVER = _never_cache_control()


def _personal(request: HttpRequest) -> bool:
    """Whether the answer may hold what only this caller may see: anything to a signed-in
    user or through the API. Such answers are never stored by a browser or a proxy
    (`Cache-Control: no-store`); public answers that set their own caching keep it."""
    user = getattr(request, "user", None)
    return bool(
        (user is not None and user.is_authenticated)
        or request.path.startswith("/api/")
        or "HTTP_AUTHORIZATION" in request.META
    )


class ExceptionReporterFilter(SafeExceptionReporterFilter):
    """Django's filter of error reports (the DEBUG page, error e-mails), which also hides the
    values of request.META and settings whose names say URL or LAYDOWN_: granian (and Django's
    development server) copy the process's environment into every request's META, and
    LAYDOWN_DATABASE_URL carries the database's password, which Django's own pattern
    (API, TOKEN, KEY, SECRET, PASS, SIGNATURE) lets through."""

    hidden_settings = re.compile(
        f"{SafeExceptionReporterFilter.hidden_settings.pattern}|URL|LAYDOWN_", flags=re.IGNORECASE
    )

"""The public log's most asked answers before Django's handler: `GET /log/proof/N`,
`GET /log/checkpoint` and `GET /log/tile/...`, answered by the WSGI application `laydown serve`
runs.

Served over HTTP, a proof cost ~1.3-2 ms of the server's CPU, of which the proof itself is a
quarter: the rest was Django's request object, its signals and the middleware chain (request
id, log line, metrics, host checks, security headers), each doing for a public, cookie-less,
plain-text answer what it does for a page. Here those answers are made from the WSGI environ
with the views' own code (laydown.ledger.views) and carry what the chain would have given them:

- the request id (a valid `X-Request-ID` kept, else a new one) in the answer and the log line;
- the request's log line (laydown.core.request_log) and its metrics (laydown.ops.metrics: the
  same route label as the resolver gives);
- the headers of Django's SecurityMiddleware and of the finishers laydown.ledger.fast applies
  (X-Frame-Options, the Content-Security-Policy and the others), made once by those middlewares
  themselves, for plain HTTP and for HTTPS;
- Django's request_started and request_finished signals (database connections past their
  age are closed, as after any request).

The public pages kept by laydown.core.page_cache (the front page, the transparency page) are
answered here too, from the kept body, to a caller who is plainly not signed in: a GET with no
cookie but the CSRF and language cookies (no session, hence nobody signed in and no message
waiting; no messages cookie) and no Authorization header. The language and the time zone are
decided by the middlewares' own code (Django's `get_language_from_request`, as LocaleMiddleware,
then laydown.accounts.context as ProgrammeLocaleMiddleware); the page's key by the page's own
function (its data, the language, the time zone, the programme). The form's CSRF cookie comes
from Django's CsrfViewMiddleware itself, its token from page_cache as on Django's way: the
caller's valid secret is reused (and its cookie sent again, as Django renews it), else a new
one is made. The answer carries what the chain
would give it: `Vary: Cookie, Accept-Language`, `Content-Language`, the security headers. A page
not kept now (the first caller after a change, another language) is Django's, which keeps it.

Whatever is not plainly one of those answers goes to Django untouched: another method, a query
string, a script name, a Host header Django would refuse (its 400 page), a redirect to HTTPS,
a request id Django would replace with a warning, a proof beyond the served checkpoint or a
tile not in the tree (the 404 page), or any error (Django's 500 page and its logged traceback).
"""

from __future__ import annotations

import contextlib
import io
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIRequest, get_str_from_wsgi
from django.http import Http404, HttpResponse
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host
from django.middleware.csrf import CsrfViewMiddleware
from django.middleware.security import SecurityMiddleware
from django.urls import NoReverseMatch, get_resolver, resolve, reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string
from django_guid.context import guid
from django_guid.utils import generate_guid, validate_guid

from laydown.access.permissions import ACTIONS, ANYONE
from laydown.accounts.context import NOT_PAGES, programme_locale_activate
from laydown.core import page_cache
from laydown.core.request_log import request_logged
from laydown.ledger import views
from laydown.ledger.fast import FINISHERS
from laydown.ops.metrics import DURATION, REQUESTS, route_label

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_PROOF = re.compile(r"/log/proof/([0-9]{1,19})")
_TILE = "/log/tile/"
_REASONS = {200: "200 OK", 304: "304 Not Modified"}


class PublicLogFront:
    """A WSGI application: the public log's answers itself, everything else by `app`."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app
        self._finishing: dict[bool, list[tuple[str, str]]] = {}
        self._metrics: dict[tuple[str, int], tuple[Any, Any]] = {}
        self._pages: dict[str, page_cache.PublicPage] | None = None
        self._csrf = CsrfViewMiddleware(_unused)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.perf_counter()
        found = self._which(environ)
        if found is None:
            return self.app(environ, start_response)
        signals.request_started.send(sender=self.__class__, environ=environ)
        name = found[0]
        try:
            if name == "page":
                name = f"page {found[1]}"
                response = self._page(environ, self._public_pages()[found[1]])
            else:
                response = _answer(*found, environ)
        except Exception:  # noqa: BLE001 - Django answers (and logs) it as it would have
            response = None
        if response is None or response.status_code not in _REASONS:
            signals.request_finished.send(sender=self.__class__)
            return self.app(environ, start_response)
        try:
            return self._send(environ, name, response, start_response, started)
        finally:  # after the log line, which carries the request id this clears
            signals.request_finished.send(sender=self.__class__)

    def _which(self, environ: dict[str, Any]) -> tuple[str, Any] | None:
        """("proof", index), ("checkpoint", 0) or ("tile", path) if this request is one of those
        answers as Django would give it, else None."""
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("QUERY_STRING"):
            return None
        if environ.get("SCRIPT_NAME"):
            return None
        path = environ.get("PATH_INFO", "")
        if path == "/log/checkpoint":
            found = ("checkpoint", 0)
        elif (proof := _PROOF.fullmatch(path)) is not None:
            found = ("proof", int(proof[1]))
        elif path.startswith(_TILE) and len(path) > len(_TILE):
            found = ("tile", path[len(_TILE) :])
        elif path in self._public_pages() and _plainly_anonymous(environ):
            found = ("page", path)
        else:
            return None
        if not _host_allowed(environ) or _redirected_to_https(environ):
            return None
        given = environ.get("HTTP_X_REQUEST_ID")
        if given is not None and not validate_guid(given):
            return None
        return found

    def _send(
        self,
        environ: dict[str, Any],
        name: str,
        response: HttpResponse,
        start_response: Callable[..., Any],
        started: float,
    ) -> list[bytes]:
        request_id = environ.get("HTTP_X_REQUEST_ID") or generate_guid()
        guid.set(request_id)  # the log line's request id, as django-guid sets it
        body = response.content
        headers = list(response.items())
        headers.append(("Content-Length", str(len(body))))
        headers += self._finishing_headers(_is_secure(environ))
        headers.append(("X-Request-ID", request_id))
        headers += [("Set-Cookie", c.output(header="")) for c in response.cookies.values()]
        start_response(_REASONS[response.status_code], headers)
        path = environ["PATH_INFO"]
        duration, count = self._counters(name, path, response.status_code)
        duration.observe(time.perf_counter() - started)
        count.inc()
        request_logged("GET", path, response.status_code, started)
        return [body]

    def _finishing_headers(self, secure: bool) -> list[tuple[str, str]]:
        """The headers the middlewares add to such an answer, made once by those middlewares."""
        kept = self._finishing.get(secure)
        if kept is None:
            kept = self._finishing[secure] = _finishing_headers(secure)
        return kept

    def _counters(self, name: str, path: str, status: int) -> tuple[Any, Any]:
        """The metrics' children of this route and status (the route as the resolver names it)."""
        kept = self._metrics.get((name, status))
        if kept is None:
            route = route_label(resolve(path))
            kept = (DURATION.labels("GET", route), REQUESTS.labels("GET", route, str(status)))
            self._metrics[(name, status)] = kept
        return kept

    def _public_pages(self) -> dict[str, page_cache.PublicPage]:
        """The kept public pages by path: what a caller who is not signed in gets there."""
        if self._pages is None:
            get_resolver().url_patterns  # noqa: B018 - the URLconf's views add their pages
            public = ACTIONS["public.view"].audience == ANYONE  # else each caller is checked
            pages = {}
            for name, page in page_cache.ANONYMOUS_PAGES.items() if public else ():
                with contextlib.suppress(NoReverseMatch):  # not in this URLconf: Django's
                    pages[reverse(name)] = page
            self._pages = {} if _language_in_paths() else pages
        return self._pages

    def _page(self, environ: dict[str, Any], page: page_cache.PublicPage) -> HttpResponse | None:
        """The kept page as the chain would answer it, or None if it is not kept now."""
        request = WSGIRequest(dict(environ))  # its own environ: the caller's is Django's if None
        # LocaleMiddleware, then ProgrammeLocaleMiddleware (which leaves /log/ alone)
        with translation.override(translation.get_language_from_request(request)):
            request.LANGUAGE_CODE = translation.get_language()
            zoned = not request.path.startswith(NOT_PAGES) and programme_locale_activate(request)
            try:
                body = page_cache.kept_body(request, page)
                if body is None:
                    return None
                self._csrf.process_request(request)  # the caller's valid secret, or a new one
                response = HttpResponse(page_cache.with_token(body, request))
                self._csrf.process_response(request, response)  # its cookie, Vary: Cookie
                patch_vary_headers(response, ("Accept-Language",))  # LocaleMiddleware
                response.headers.setdefault("Content-Language", translation.get_language())
                patch_vary_headers(response, ("Cookie",))  # the session was read (it is empty)
                return response
            finally:
                if zoned:
                    timezone.deactivate()


def _unused(request: Any) -> HttpResponse:
    raise AssertionError("only CsrfViewMiddleware's request and response steps are used")


def _language_in_paths() -> bool:
    """Whether the URLs carry the language (i18n_patterns): LocaleMiddleware then reads it."""
    from django.conf.urls.i18n import is_language_prefix_patterns_used

    return bool(is_language_prefix_patterns_used(settings.ROOT_URLCONF)[0])


def _plainly_anonymous(environ: dict[str, Any]) -> bool:
    """Nobody signed in and nothing of the caller's on the page: no cookie but the CSRF and
    language cookies (no session, no messages), no credentials, and the settings these checks
    assume (the CSRF secret in its cookie, no user agents refused, no www redirect)."""
    if "HTTP_AUTHORIZATION" in environ or settings.CSRF_USE_SESSIONS:
        return False
    if settings.DISALLOWED_USER_AGENTS or settings.PREPEND_WWW:
        return False
    cookies = parse_cookie(get_str_from_wsgi(environ, "HTTP_COOKIE", ""))
    return cookies.keys() <= {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}


def _answer(name: str, which: Any, environ: dict[str, Any]) -> HttpResponse | None:
    if name == "checkpoint":
        return views.checkpoint_answer(environ.get("HTTP_IF_NONE_MATCH"))
    try:
        if name == "tile":
            return views.tile_answer(which)
        return views.proof_answer(which)
    except Http404:  # the ordinary 404 page
        return None


def _host_allowed(environ: dict[str, Any]) -> bool:
    """Whether Django's request.get_host() would accept this request's host."""
    if settings.USE_X_FORWARDED_HOST and "HTTP_X_FORWARDED_HOST" in environ:
        return False  # Django's rules for it: let Django apply them
    host = environ.get("HTTP_HOST")
    if not host:
        return False
    allowed = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed:
        allowed = [".localhost", "127.0.0.1", "[::1]"]
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, allowed)


def _is_secure(environ: dict[str, Any]) -> bool:
    header = settings.SECURE_PROXY_SSL_HEADER
    if header:
        name, secure_value = header
        value = environ.get(name)
        if value is not None:
            return bool(value.split(",", 1)[0].strip() == secure_value)
    return bool(environ.get("wsgi.url_scheme") == "https")


def _redirected_to_https(environ: dict[str, Any]) -> bool:
    return bool(settings.SECURE_SSL_REDIRECT) and not _is_secure(environ)


def _finishing_headers(secure: bool) -> list[tuple[str, str]]:
    """What SecurityMiddleware and the finishers add to a public log answer (HSTS over HTTPS)."""
    request = WSGIRequest(
        {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/log/checkpoint",
            "wsgi.input": io.BytesIO(),
            "wsgi.url_scheme": "https" if secure else "http",
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "443" if secure else "80",
        }
    )
    if secure and settings.SECURE_PROXY_SSL_HEADER:
        request.META[settings.SECURE_PROXY_SSL_HEADER[0]] = settings.SECURE_PROXY_SSL_HEADER[1]
    answer = HttpResponse("", content_type="text/plain; charset=utf-8")
    answer["Cache-Control"] = "no-cache"
    own = set(answer.headers)

    def finish(request: Any) -> HttpResponse:
        return answer

    for name in reversed(FINISHERS):
        finish = import_string(name)(finish)
    finished = finish(request)
    SecurityMiddleware(finish).process_response(request, finished)
    return [(key, value) for key, value in finished.items() if key not in own]

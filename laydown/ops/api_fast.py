"""Token calls of the registration operations (`POST /api/v1/arms/items`, `/lots`, `/materiel`)
answered before Django's handler, by the WSGI application `laydown serve` runs.

A single registration is the busiest call of all (a tablet per clerk, one weapon at a time), and
its request thread spent ~2.6 ms of CPU in Django's handler, the middleware chain and
django-ninja's operation for ~0.4 ms of its own work (issue 20). Here such a call takes the same
steps with the same code, and nothing else:

- the token by `accounts.api_auth.token_principal` (ninja's bearer callback calls it too) and the
  operation's action by `authorize`, as `api_action` declares it;
- the body by `json.loads`, as ninja's parser, then `core.text_guard.refuse_bad_text` (the API's
  parser does it), then the view's own schema (`ItemIn`, `LotIn`, `MaterielIn`);
- the view's own registration (`arms.api.item_registered`...: the site, the one service, the
  answer's body), rendered by the API's JSON renderer, in the language LocaleMiddleware would
  choose (Accept-Language, the language cookie), activated around it;
- what every answer carries: the request id (django-guid's rules), the security headers,
  `Vary`, `Content-Language`, never-cache (made once per language and scheme by the API chain's
  own middlewares, `_finishing_headers`), Content-Length, the log line and the metrics, and
  Django's request_started and request_finished signals.

Whatever is not plainly such a call, or fails before the registration runs (a bad or unknown
token, a missing action, a body that is no JSON object, no text or not the schema, an
Idempotency-Key, a query string, another host, plain HTTP where HTTPS is required, an odd
request id, a body over DATA_UPLOAD_MAX_MEMORY_SIZE or without Content-Length) goes to Django's
way untouched, which answers it as ever. Once the registration has run, its outcome is answered
here: an error it raised (an unknown or closed site, a duplicate, a site outside the caller's
grants, bidi text, a crash) by the API's own exception handlers, then Django's
(`response_for_exception`), as on Django's way; it is never run twice. A test compares the
answers of both ways, good and bad.

The chain it stands for is settings.API_MIDDLEWARE as it was written with this module: another
list there refuses to start (`CHAIN`), since what a new middleware does per request must be
done here too, or the fast answers dropped.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core import signals
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.exception import response_for_exception
from django.core.handlers.wsgi import WSGIRequest, get_str_from_wsgi
from django.http import HttpRequest, HttpResponse
from django.http.cookie import parse_cookie
from django.urls import resolve, reverse
from django.utils import translation
from django.utils.http import http_date
from django.utils.log import log_response
from django.utils.module_loading import import_string
from django_guid.context import guid
from django_guid.utils import generate_guid, validate_guid
from ninja import Schema

from laydown.access.permissions import Principal, authorize
from laydown.accounts.api_auth import token_principal
from laydown.api import api
from laydown.arms.api import CONTENT_TYPE, FAST_REGISTRATIONS, rendered_body
from laydown.core.request_log import request_logged
from laydown.core.text_guard import refuse_bad_text
from laydown.ops.api_front import token_call
from laydown.ops.front import _host_allowed, _is_secure, _language_in_paths, _redirected_to_https
from laydown.ops.metrics import DURATION, REQUESTS, route_label

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

# settings.API_MIDDLEWARE this front was written for, and what it does for each.
CHAIN = {
    "django_guid.middleware.guid_middleware": "the request id: _request_id",
    "laydown.core.request_log.RequestLogMiddleware": "the log line: request_logged",
    "laydown.ops.metrics.MetricsMiddleware": "the metrics: _counters",
    "django.middleware.security.SecurityMiddleware": "HTTPS redirect: falls back; headers",
    "laydown.ops.api_front.NoSession": "headers (Vary: Cookie)",
    "django.middleware.locale.LocaleMiddleware": "_language; headers",
    "django.middleware.common.CommonMiddleware": "the host: falls back; Content-Length",
    "laydown.ops.api_front.UserSeen": "nothing to do (the anonymous user)",
    "laydown.core.text_guard.TextGuardMiddleware": "the path is ours, no query: nothing",
    "django.middleware.clickjacking.XFrameOptionsMiddleware": "headers",
    "laydown.core.security.SecurityHeadersMiddleware": "headers; Expires per second",
}
DONE_HERE = (
    "django_guid.middleware.guid_middleware",
    "laydown.core.request_log.RequestLogMiddleware",
    "laydown.ops.metrics.MetricsMiddleware",
)
LANGUAGES_KEPT = 1024  # (cookie, Accept-Language) pairs whose language is kept


@dataclass(frozen=True)
class Registration:
    action: str
    schema: type[Schema]
    run: Callable[[Principal, Any], dict[str, Any]]
    route: str  # the metrics' label, as the resolver names the route


class RegistrationFront:
    """A WSGI application: token calls of the registrations itself, everything else by `app`."""

    def __init__(self, app: WSGIApp) -> None:
        if list(settings.API_MIDDLEWARE) != list(CHAIN):
            raise ImproperlyConfigured(
                "settings.API_MIDDLEWARE is not the chain laydown.ops.api_fast stands for: "
                "do there what the new middleware does per request (or take the front out)"
            )
        if _language_in_paths():
            raise ImproperlyConfigured("laydown.ops.api_fast assumes no language in the paths")
        self.app = app
        self.operations: dict[str, Registration] = {}
        for url_name, view, schema, run in FAST_REGISTRATIONS:
            path = reverse(f"api:{url_name}")
            self.operations[path] = Registration(
                action=getattr(view, "laydown_action"),  # noqa: B009 - set by api_action
                schema=schema,
                run=run,
                route=route_label(resolve(path)),
            )
        self._languages: dict[tuple[str | None, str], str] = {}
        self._finishing: dict[tuple[bool, str], list[tuple[str, str]]] = {}
        self._metrics: dict[tuple[str, int], tuple[Any, Any]] = {}
        self._expires = (0, "")

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        operation = self._which(environ)
        if operation is None:
            return self.app(environ, start_response)
        started = time.perf_counter()
        body = _body(environ)
        if body is None:
            return self.app(environ, start_response)
        signals.request_started.send(sender=self.__class__, environ=environ)
        try:
            checked = _checked(operation, environ, body)
            language = self._language(environ) if checked is not None else None
        except Exception:  # noqa: BLE001 - Django answers it (a refusal, an error) as ever
            checked = language = None
        if checked is None or language is None:
            signals.request_finished.send(sender=self.__class__)
            return self.app(environ, start_response)
        try:
            request_id = environ.get("HTTP_X_REQUEST_ID") or generate_guid()
            guid.set(request_id)  # every log line of the call carries it, as django-guid's
            with translation.override(language):
                status, headers, content = _run(operation, checked, environ)
            headers.append(("Content-Length", str(len(content))))
            headers += self._finished(_is_secure(environ), language)
            headers.append(("X-Request-ID", request_id))
            start_response(f"{status} {HTTPStatus(status).phrase}", headers)
            path = environ["PATH_INFO"]
            duration, count = self._counters(operation, path, status)
            duration.observe(time.perf_counter() - started)
            count.inc()
            request_logged("POST", path, status, started)
            return [content]
        finally:  # after the log line, which carries the request id this clears
            signals.request_finished.send(sender=self.__class__)

    def _which(self, environ: dict[str, Any]) -> Registration | None:
        """The registration this request plainly is, as Django would take it; else None."""
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("QUERY_STRING"):
            return None
        operation = self.operations.get(environ.get("PATH_INFO", ""))
        if operation is None or environ.get("SCRIPT_NAME") or not token_call(environ):
            return None
        if "HTTP_IDEMPOTENCY_KEY" in environ or settings.DISALLOWED_USER_AGENTS:
            return None
        if not environ.get("CONTENT_TYPE", "").startswith("application/json"):
            return None
        if settings.PREPEND_WWW or not _host_allowed(environ) or _redirected_to_https(environ):
            return None
        given = environ.get("HTTP_X_REQUEST_ID")
        if given is not None and not validate_guid(given):
            return None  # Django makes a new one, with a warning
        return operation

    def _language(self, environ: dict[str, Any]) -> str:
        """The language LocaleMiddleware activates for this request (no language in paths)."""
        cookie = None
        if "HTTP_COOKIE" in environ:
            cookies = parse_cookie(get_str_from_wsgi(environ, "HTTP_COOKIE", ""))
            cookie = cookies.get(settings.LANGUAGE_COOKIE_NAME)
        key = (cookie, environ.get("HTTP_ACCEPT_LANGUAGE", ""))
        language = self._languages.get(key)
        if language is None:
            asked = HttpRequest()
            if cookie is not None:
                asked.COOKIES[settings.LANGUAGE_COOKIE_NAME] = cookie
            asked.META["HTTP_ACCEPT_LANGUAGE"] = key[1]
            language = translation.get_language_from_request(asked)
            if len(self._languages) >= LANGUAGES_KEPT:
                self._languages.clear()
            self._languages[key] = language
        return language

    def _finished(self, secure: bool, language: str) -> list[tuple[str, str]]:
        """The headers the API's chain adds to an answer, Expires of this second."""
        kept = self._finishing.get((secure, language))
        if kept is None:
            kept = self._finishing[(secure, language)] = _finishing_headers(secure, language)
        now = int(time.time())
        if self._expires[0] != now:
            self._expires = (now, http_date(now))
        return [(k, self._expires[1] if k == "Expires" else v) for k, v in kept]

    def _counters(self, operation: Registration, path: str, status: int) -> tuple[Any, Any]:
        kept = self._metrics.get((path, status))
        if kept is None:
            kept = (
                DURATION.labels("POST", operation.route),
                REQUESTS.labels("POST", operation.route, str(status)),
            )
            self._metrics[(path, status)] = kept
        return kept


def _body(environ: dict[str, Any]) -> bytes | None:
    """The request's body, if it has a plain Content-Length Django would read (wsgi.input is
    then a fresh stream of it, for Django's way); None otherwise."""
    length = environ.get("CONTENT_LENGTH", "")
    if not length.isdigit() or not 0 < int(length) <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        return None
    if environ.get("HTTP_TRANSFER_ENCODING"):
        return None
    body: bytes = environ["wsgi.input"].read(int(length))
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def _checked(
    operation: Registration, environ: dict[str, Any], body: bytes
) -> tuple[Principal, Any] | None:
    """The caller and the valid payload, as ninja's operation gets them; raises (or None) if
    anything is amiss, and Django's way answers it."""
    token = " ".join(environ["HTTP_AUTHORIZATION"].split(" ")[1:])  # as ninja's HttpBearer
    caller = token_principal(token)
    authorize(caller, operation.action)
    data = json.loads(body)
    if type(data) is not dict:
        return None
    refuse_bad_text(data)
    return caller, operation.schema.model_validate(data)


def _run(
    operation: Registration, checked: tuple[Principal, Any], environ: dict[str, Any]
) -> tuple[int, list[tuple[str, str]], bytes]:
    """The registration's answer: 201 with its body, or the error it raised answered as on
    Django's way (the API's exception handlers, then Django's; a 4xx or 5xx logged)."""
    try:
        content = rendered_body(operation.run(*checked), 201)
    except Exception as exc:  # noqa: BLE001 - answered as Django's way answers it
        environ["wsgi.input"].seek(0)
        request = WSGIRequest(environ)
        try:
            response = api.on_exception(request, exc)
        except Exception as unhandled:  # noqa: BLE001
            response = response_for_exception(request, unhandled)
        log_response(
            "%s: %s", response.reason_phrase, request.path, response=response, request=request
        )
        return response.status_code, _own_headers(response), response.content
    return 201, [("Content-Type", CONTENT_TYPE)], content


def _own_headers(response: HttpResponse) -> list[tuple[str, str]]:
    cookies = [("Set-Cookie", c.output(header="")) for c in response.cookies.values()]
    return [*response.items(), *cookies]


def _finishing_headers(secure: bool, language: str) -> list[tuple[str, str]]:
    """What the API's chain (less what the front does itself) adds to a JSON answer of a
    request in `language`, made by those middlewares themselves; Content-Length left out."""
    request = WSGIRequest(
        {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/api/v1/arms/items",
            "wsgi.input": io.BytesIO(),
            "wsgi.url_scheme": "https" if secure else "http",
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "443" if secure else "80",
            "HTTP_ACCEPT_LANGUAGE": language,
        }
    )
    if secure and settings.SECURE_PROXY_SSL_HEADER:
        request.META[settings.SECURE_PROXY_SSL_HEADER[0]] = settings.SECURE_PROXY_SSL_HEADER[1]
    answer = HttpResponse(b"{}", status=201, content_type=CONTENT_TYPE)
    own = set(answer.headers) | {"Content-Length"}

    def finish(request: Any) -> HttpResponse:
        return answer

    for name in reversed([m for m in CHAIN if m not in DONE_HERE]):
        if name == "django.middleware.common.CommonMiddleware":
            continue  # the host check (done, on the real host) and Content-Length
        finish = import_string(name)(finish)
    with translation.override(None):
        finished = finish(request)
    if finished.headers.get("Content-Language") != language:
        raise ImproperlyConfigured(f"the API's chain did not answer in {language}")
    return [(key, value) for key, value in finished.items() if key not in own]

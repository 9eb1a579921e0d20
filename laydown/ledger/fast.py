"""The public log's most asked answers without the page machinery: `GET /log/proof/N` and
`GET /log/checkpoint` answered early in the middleware chain.

Both are public (`public.view`: anyone, signed in or not, gets the same bytes), read no session,
cookie, language or form, and answer plain text. Going through sessions, locale, CSRF,
authentication, the second factor, messages and the text guard cost ~0.4 ms of CPU a request,
as much as the proof itself. This middleware sits just after Django's SecurityMiddleware (and
the request log, health and metrics before it): it answers those two paths (GET, no query
string) with the views' own code, then lets the response middlewares that set headers
(X-Frame-Options, the Content-Security-Policy and the other security headers) finish the answer
as they would have. Anything else, including a proof beyond the served checkpoint (the 404
page), goes down the ordinary chain.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import ResolverMatch, resolve
from django.utils.module_loading import import_string

from laydown.access.permissions import ACTIONS, ANYONE
from laydown.ledger import views

# The response middlewares (listed after the skipped ones in settings.MIDDLEWARE) whose headers
# every answer carries; applied to a fast answer in the same order.
FINISHERS = (
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "laydown.core.security.SecurityHeadersMiddleware",
)
_PROOF = re.compile(r"/log/proof/([0-9]{1,19})")


class PublicLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        if ACTIONS["public.view"].audience != ANYONE:  # then each caller must be checked
            raise RuntimeError("the public log's fast answers need public.view for anyone")
        finish: Callable[[HttpRequest], HttpResponse] = _fast_response
        for name in reversed(FINISHERS):
            finish = import_string(name)(finish)
        self.finish = finish
        self.views: dict[str, Callable[..., HttpResponse]] = {
            "checkpoint": inspect.unwrap(views.checkpoint),
            "proof": inspect.unwrap(views.proof),
        }
        self.matches: dict[str, ResolverMatch] = {}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "GET" or request.META.get("QUERY_STRING"):
            return self.get_response(request)
        path = request.path_info
        args: tuple[int, ...] = ()
        if path == "/log/checkpoint":
            name = "checkpoint"
        elif (found := _PROOF.fullmatch(path)) is not None:
            name, args = "proof", (int(found[1]),)
        else:
            return self.get_response(request)
        request.get_host()  # the Host header checked, as CommonMiddleware would
        try:
            response = self.views[name](request, *args)
        except Http404:  # the ordinary 404 page
            return self.get_response(request)
        # the route for the metrics and the request log (the same for every proof)
        match = self.matches.get(name)
        if match is None:
            match = self.matches[name] = resolve(path)
        request.resolver_match = match
        if not response.has_header("Content-Length"):  # as CommonMiddleware sets it
            response.headers["Content-Length"] = str(len(response.content))
        request.laydown_fast_response = response  # type: ignore[attr-defined]
        return self.finish(request)


def _fast_response(request: HttpRequest) -> HttpResponse:
    response: HttpResponse = request.laydown_fast_response  # type: ignore[attr-defined]
    return response

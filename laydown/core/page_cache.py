"""Public pages rendered once per state of what they show, not once per request.

The ledger's front page and the public transparency page are read by anyone, many times a
second, and change only when what they show changes (a new checkpoint, a cosignature, a
witness's answer, a record that moves the aggregates). Rendering them cost ~8 ms of CPU a
request. A page here is rendered once per key and kept in this process's memory:

- the page's own key, made by its view from the data it shows (or cheap stand-ins for it, such
  as the log's size for figures that only records change; the log's pages read theirs at most
  a second old, as /log/checkpoint reads its checkpoint: laydown.ledger.selectors.
  page_key_served);
- the language, the time zone, and what the apps add to every page (`PAGE_VARIES`: the
  programme's profile, registered by accounts);
- never anybody's own content: only answers to a caller who is not signed in and has no
  message waiting are kept or served from here (a signed-in user's page shows their name and
  links, and is rendered as before). The CSRF token of the language form is the caller's own:
  the kept body holds a placeholder that each answer replaces with the caller's token (which
  also sets the CSRF cookie, as rendering the tag does).

laydown.ops.front answers a kept page itself, before Django's handler, to a caller who is
plainly not signed in (`kept_body`, `with_token`); a page not kept is Django's, which keeps it.

A kept page is also dropped after MAX_AGE_SECONDS: a safety net for a change that reached the
database without moving the page's key.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.middleware import csrf
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation

MAX_AGE_SECONDS = 60.0
MAX_PAGES = 64  # languages x pages x a few states: older ones are dropped first
# What every page depends on besides its own data, one callable per app that adds to every page
# (through a context processor); each returns something hashable.
PAGE_VARIES: list[Callable[[HttpRequest], Hashable]] = []
# Stands for the caller's CSRF token in a kept body; random per process, never sent.
_TOKEN = "csrf-" + secrets.token_hex(16)

_lock = threading.Lock()
_pages: OrderedDict[Hashable, tuple[float, str]] = OrderedDict()


@dataclass(frozen=True)
class PublicPage:
    """A page kept for callers who are not signed in: `template` rendered with `context(request)`,
    kept per `key(request)`, which must change whenever what the context gives changes (it
    may be the same data)."""

    template: str
    key: Callable[[HttpRequest], Hashable]
    context: Callable[[HttpRequest], Mapping[str, Any]]


# The pages a caller who is not signed in gets from here, by URL name (their views' modules add
# them as the URLconf imports them; laydown.ops.front answers them itself).
ANONYMOUS_PAGES: dict[str, PublicPage] = {}


def render_public(request: HttpRequest, page: PublicPage) -> HttpResponse:
    """`render(request, page.template, page.context(request))`, kept for callers who are not
    signed in."""
    if not keepable(request):
        return render(request, page.template, page.context(request))
    full_key = _full_key(request, page)
    body = _kept(full_key)
    if body is None:
        body = render_to_string(
            page.template, {**page.context(request), "csrf_token": _TOKEN}, request
        )
        _keep(full_key, body)
    return HttpResponse(with_token(body, request))


def kept_body(request: HttpRequest, page: PublicPage) -> str | None:
    """The kept body of `page` for this request's language, time zone and programme (with the
    token's placeholder: see `with_token`), or None if it is not kept now (laydown.ops.front
    answers from it a caller who is not signed in, with the language and time zone active that
    the middlewares would have made active; it must have checked `keepable` itself)."""
    return _kept(_full_key(request, page))


def with_token(body: str, request: HttpRequest) -> str:
    """A kept body with this caller's CSRF token (which also sets the CSRF cookie, as
    rendering the tag does)."""
    return body.replace(_TOKEN, caller_token(request))


def caller_token(request: HttpRequest) -> str:
    """`django.middleware.csrf.get_token(request)`, its random strings drawn by `_csrf_string`:
    the caller's secret (a new one if it has none), which CsrfViewMiddleware then sends again as
    the cookie, masked with a new mask as Django masks it (its check unmasks it)."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None:
        secret = request.META["CSRF_COOKIE"] = _csrf_string()
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = _csrf_string()
    return mask + "".join(map(_MASKED.__getitem__, zip(secret, mask, strict=True)))


_CHARS = csrf.CSRF_ALLOWED_CHARS
_BELOW = 256 - 256 % len(_CHARS)  # bytes below it map uniformly onto the characters
# byte b < _BELOW -> the character _CHARS[b % len(_CHARS)]; the bytes from _BELOW are dropped
_DRAWN = bytes(ord(_CHARS[b % len(_CHARS)]) for b in range(_BELOW)) + bytes(256 - _BELOW)
_DROPPED = bytes(range(_BELOW, 256))
# (a secret's character, the mask's) -> the masked character, as Django's _mask_cipher_secret
_MASKED = {
    (x, y): _CHARS[(i + j) % len(_CHARS)]
    for i, x in enumerate(_CHARS)
    for j, y in enumerate(_CHARS)
}


def _csrf_string() -> str:
    """A new CSRF secret or mask as Django makes them (CSRF_SECRET_LENGTH characters drawn
    uniformly from CSRF_ALLOWED_CHARS by the system's CSPRNG), from one read of the generator
    rather than get_random_string's one a character, mapped by bytes.translate: two of those
    were ~15 % of the CPU of a kept page's answer."""
    drawn = b""
    while len(drawn) < csrf.CSRF_SECRET_LENGTH:
        drawn += secrets.token_bytes(48).translate(_DRAWN, _DROPPED)
    return drawn[: csrf.CSRF_SECRET_LENGTH].decode("ascii")


def _full_key(request: HttpRequest, page: PublicPage) -> Hashable:
    return (
        page.template,
        page.key(request),
        translation.get_language(),
        timezone.get_current_timezone_name(),
        tuple(vary(request) for vary in PAGE_VARIES),
    )


def keepable(request: HttpRequest) -> bool:
    """A caller whose page holds nothing of their own: not signed in, no message waiting."""
    user = getattr(request, "user", None)
    if user is None or user.is_authenticated:
        return False
    return not len(get_messages(request))  # read, not consumed: a render shows them


def _kept(key: Hashable) -> str | None:
    with _lock:
        found = _pages.get(key)
        if found is None:
            return None
        if time.monotonic() - found[0] >= MAX_AGE_SECONDS:
            del _pages[key]
            return None
        _pages.move_to_end(key)
        return found[1]


def _keep(key: Hashable, body: str) -> None:
    with _lock:
        _pages[key] = (time.monotonic(), body)
        _pages.move_to_end(key)
        while len(_pages) > MAX_PAGES:
            _pages.popitem(last=False)


def forget() -> None:
    """Drop every kept page (tests; nothing else needs it: keys follow the data)."""
    with _lock:
        _pages.clear()

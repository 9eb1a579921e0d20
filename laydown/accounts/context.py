"""The programme's profile on every page (`programme` in templates) and in force per request:
its time zone, and its default language when the browser asks for one it does not offer."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Hashable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from laydown.accounts import token_cache
from laydown.accounts.models import ProgrammeProfile
from laydown.accounts.programme import programme_profile


def _profile(request: HttpRequest) -> ProgrammeProfile | None:
    if not hasattr(request, "_laydown_programme"):
        # Every request reads it: kept in memory, dropped when it or an organisation changes.
        request._laydown_programme = token_cache.programme_kept(programme_profile)  # type: ignore[attr-defined]
    return request._laydown_programme  # type: ignore[attr-defined,no-any-return]


def programme(request: HttpRequest) -> dict[str, object]:
    """Template context processor."""
    return {"programme": _profile(request)}


def programme_varies(request: HttpRequest) -> Hashable:
    """What a page kept by laydown.core.page_cache shows of the profile: all of it."""
    profile = _profile(request)
    if profile is None:
        return None
    return tuple(
        repr(getattr(profile, field.attname)) for field in ProgrammeProfile._meta.concrete_fields
    )


# Answers that are not pages read no profile: the API (ISO times with their offset; its schema
# is read with no database at all), ODK Collect's OpenRosa calls, the public log's checkpoint
# and tiles (served by the thousand, cached), static files and the health checks.
NOT_PAGES = ("/api/", "/openrosa/", "/log/", "/static/", "/healthz", "/readyz", "/metrics")


class ProgrammeLocaleMiddleware:
    """After LocaleMiddleware: on pages, the programme's time zone, and its default language in
    place of a language it does not offer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(NOT_PAGES) or not programme_locale_activate(request):
            return self.get_response(request)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


def programme_locale_activate(request: HttpRequest) -> bool:
    """The programme's time zone, and its default language in place of the active one if it
    does not offer that one; False (nothing done) without a profile. The caller deactivates
    the time zone when the request is done (laydown.ops.front does as this middleware)."""
    profile = _profile(request)
    if profile is None:
        return False
    timezone.activate(zoneinfo.ZoneInfo(profile.time_zone))
    if translation.get_language() not in profile.languages:
        translation.activate(profile.default_language)
        request.LANGUAGE_CODE = profile.default_language
    return True

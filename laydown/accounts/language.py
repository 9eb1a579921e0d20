"""The language a signed-in user reads Laydown in: kept in their profile (User.language).

Anonymous visitors get their browser's language (Accept-Language) or the one they chose with the
switch on every page (the language cookie), as Django's LocaleMiddleware decides. Once signed
in, the profile's language wins; a user who has none keeps the one they signed in with; the
switch, used while signed in, changes the profile. The cookie follows the profile, so the page
stays in the user's language after signing out.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation

from laydown.accounts import services
from laydown.accounts.models import User


class UserLanguageMiddleware:
    """After the authentication middleware: the signed-in user's language for this request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        signed_in = isinstance(user, User) and user.is_authenticated
        if signed_in and request.method == "POST" and request.path == reverse("set_language"):
            chosen = request.POST.get("language", "")
            if chosen in dict(settings.LANGUAGES):
                services.language_set(user=user, language=chosen)  # type: ignore[arg-type]
        elif signed_in and user.language in dict(settings.LANGUAGES):  # type: ignore[union-attr]
            translation.activate(user.language)  # type: ignore[union-attr]
            request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        if signed_in and user.language:  # type: ignore[union-attr]
            cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
            if cookie != user.language and not response.cookies.get(  # type: ignore[union-attr]
                settings.LANGUAGE_COOKIE_NAME
            ):
                set_language_cookie(response, user.language)  # type: ignore[union-attr]
        return response


def at_sign_in(request: HttpRequest, user: User, response: HttpResponse) -> None:
    """Signing in: the profile's language if it has one, else the one the user signed in with."""
    if user.language in dict(settings.LANGUAGES):
        set_language_cookie(response, user.language)
    else:
        current = translation.get_language() or settings.LANGUAGE_CODE
        if current in dict(settings.LANGUAGES):
            services.language_set(user=user, language=current)


def set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )

"""Sign-in throttling glue: django-axes locks an account out; the ledger records it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from laydown.accounts import services


def on_user_locked_out(sender: object, *, username: str | None = None, **kwargs: Any) -> None:
    """Receiver of axes' user_locked_out: one ledger record per lock-out.

    Axes sends the signal again for every attempt while the account is locked (each counts as
    one more failure); only the failure that reaches the limit starts a lock-out.
    """
    from django.conf import settings

    request = kwargs.get("request")
    failures = getattr(request, "axes_failures_since_start", settings.AXES_FAILURE_LIMIT)
    if failures != settings.AXES_FAILURE_LIMIT:
        return
    services.signin_throttled(username=username or "", failures=failures)


def lockout_response(
    request: HttpRequest, original_response: object = None, credentials: object = None
) -> HttpResponse:
    message = _(
        "Too many failed sign-ins for this account. It is locked for 15 minutes; "
        "ask an administrator if you need access sooner."
    )
    body = render_to_string("accounts/locked_out.html", {"message": message}, request=request)
    return HttpResponse(body, status=429)

"""Sign-in throttling: back-off per address and per account, checked before any password hash.

Every try is counted before the password is hashed, against the client's address and, when the
username names an account, against that account; past a limit each further try must wait 1, 2,
4 ... seconds (at most MAX_WAIT), and a try that comes too early is refused before hashing.
Failures older than WINDOW are forgotten. A username that names no account is counted against
the address only: nothing is stored or recorded under what was typed (it may be a password
typed in the wrong box).

Nobody can lock out an account from elsewhere: a browser that signed in to the account before
carries a signed device cookie, and its tries count in a bucket of their own (`device:`), which
failures from other browsers do not hold back; they are not held back by their address either.

A throttle reached on an account is one ledger record (the account's pseudonym, no text); an
address reaching its limit is a warning in the server log (addresses stay out of the log).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from laydown.accounts import services
from laydown.accounts.models import SignInThrottle, User

WINDOW = dt.timedelta(minutes=15)
MAX_WAIT = dt.timedelta(minutes=15)
ADDRESS_FACTOR = 4  # an address may fail 4x an account's limit (clerks share a NAT address)
DEVICE_COOKIE = "laydown_device"
DEVICE_COOKIE_AGE = 180 * 24 * 3600
_SALT = "laydown.accounts.signin.device"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Bucket:
    key: str
    limit: int
    user: User | None = None  # the account, for the ledger record


def _limit() -> int:
    return int(settings.LAYDOWN_SIGNIN_FAILURE_LIMIT)


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def device_user_id(request: HttpRequest) -> int | None:
    """The account this browser signed in to before (a signed cookie), if any."""
    raw = request.COOKIES.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        value = signing.loads(raw, salt=_SALT, max_age=DEVICE_COOKIE_AGE)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None


def device_cookie_set(response: HttpResponse, user: User) -> None:
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps(user.pk, salt=_SALT),
        max_age=DEVICE_COOKIE_AGE,
        httponly=True,
        secure=settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


def buckets_for(request: HttpRequest, user: User | None) -> list[Bucket]:
    if user is not None and device_user_id(request) == user.pk:
        return [Bucket(f"device:{user.pk}", _limit(), user)]
    found = [Bucket(f"address:{client_address(request)}"[:80], _limit() * ADDRESS_FACTOR)]
    if user is not None:
        found.append(Bucket(f"account:{user.pk}", _limit(), user))
    return found


def _wait(failures: int, limit: int) -> dt.timedelta | None:
    if failures < limit:
        return None
    return min(dt.timedelta(seconds=2 ** min(failures - limit, 20)), MAX_WAIT)


def attempt_begin(buckets: list[Bucket]) -> int:
    """Count one try against each bucket, or return the seconds to wait (nothing counted).

    Counting before the password is hashed means tries sent in parallel are counted too."""
    now = timezone.now()
    reached: list[Bucket] = []
    with transaction.atomic():
        rows = {
            row.bucket: row
            for row in SignInThrottle.objects.select_for_update().filter(
                bucket__in=[b.key for b in buckets]
            )
        }
        waits = [r.wait_until - now for r in rows.values() if r.wait_until and r.wait_until > now]
        if waits:
            return max(1, int(max(waits).total_seconds() + 0.999))
        for bucket in buckets:
            row = rows.get(bucket.key) or SignInThrottle(bucket=bucket.key, last_failure_at=now)
            if row.last_failure_at < now - WINDOW:
                row.failures = 0
            row.failures += 1
            row.last_failure_at = now
            wait = _wait(row.failures, bucket.limit)
            row.wait_until = now + wait if wait else None
            row.save()
            if row.failures == bucket.limit:
                reached.append(bucket)
        for bucket in reached:
            _throttle_reached(bucket)
    return 0


def _throttle_reached(bucket: Bucket) -> None:
    if bucket.user is not None:
        services.signin_throttled(user=bucket.user, failures=bucket.limit)
    else:
        logger.warning("Sign-in throttled for %s after %d failures", bucket.key, bucket.limit)


def attempt_succeeded(buckets: list[Bucket]) -> None:
    """The password was right: the account's count starts again; the address's try is undone."""
    for bucket in buckets:
        if bucket.user is not None:
            SignInThrottle.objects.filter(bucket=bucket.key).delete()
        else:
            SignInThrottle.objects.filter(bucket=bucket.key, failures__gt=0).update(
                failures=F("failures") - 1
            )
    SignInThrottle.objects.filter(
        last_failure_at__lt=timezone.now() - WINDOW - MAX_WAIT
    ).delete()  # forgotten failures


class ThrottledModelBackend(ModelBackend):
    """Django's password check, behind the throttle: a try that must wait is refused unhashed
    (the view reads `request.signin_wait` and answers 429 with the wait)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if request is None or username is None or password is None:
            return None  # not a sign-in (Django's test client's force_login, commands)
        user = User.objects.filter(username=username).first()
        buckets = buckets_for(request, user)
        wait = attempt_begin(buckets)
        if wait:
            request.signin_wait = wait  # type: ignore[attr-defined]
            raise PermissionDenied("sign-in throttled")
        found = super().authenticate(request, username=username, password=password, **kwargs)
        if found is not None:
            attempt_succeeded(buckets)
        return found


def throttled_response(request: HttpRequest, wait: int) -> HttpResponse:
    message = _(
        "Too many failed sign-ins. Wait %(seconds)d seconds, then try again; each further "
        "failure doubles the wait (at most 15 minutes). A browser you signed in from before "
        "is not held back by failures elsewhere."
    ) % {"seconds": wait}
    body = render_to_string("accounts/locked_out.html", {"message": message}, request=request)
    response = HttpResponse(body, status=429)
    response["Retry-After"] = str(wait)
    return response

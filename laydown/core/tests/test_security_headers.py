"""The answers that may hold what only their caller may see are never cached: the security
middleware's own writing of add_never_cache_headers gives exactly Django's headers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.http import parse_http_date

from laydown.core.security import never_cached


def headers_after(add: Callable[[HttpResponse], None], preset: dict[str, str]) -> list[Any]:
    answer = HttpResponse("x", content_type="application/json; charset=utf-8")
    for name, value in preset.items():
        answer[name] = value
    add(answer)
    return list(answer.items())


def test_never_cached_gives_djangos_headers_in_djangos_order() -> None:
    for preset in ({}, {"Expires": "Thu, 01 Jan 2026 00:00:00 GMT"}, {"Vary": "Cookie"}):
        for _attempt in range(3):  # both within one second (Expires is now, to the second)
            mine = headers_after(never_cached, preset)
            djangos = headers_after(add_never_cache_headers, preset)
            if dict(mine)["Expires"] == dict(djangos)["Expires"]:
                break
        assert mine == djangos, preset
        assert "no-store" in dict(mine)["Cache-Control"]
        assert parse_http_date(dict(mine)["Expires"]) > 0


def test_error_reports_hide_the_environment_the_server_copies_into_meta(rf):
    """granian and Django's development server put the process's environment in every
    request's META: an error report must not show the database's password or a passphrase."""
    from django.views.debug import get_default_exception_reporter_filter

    request = rf.get(
        "/",
        LAYDOWN_DATABASE_URL="postgresql://laydown:s3cret@db/laydown",
        LAYDOWN_BACKUP_PASSPHRASE="correct horse",
        AWS_SECRET_ACCESS_KEY="abc",
        HTTP_ACCEPT_LANGUAGE="hy",
    )
    meta = get_default_exception_reporter_filter().get_safe_request_meta(request)
    for name in ("LAYDOWN_DATABASE_URL", "LAYDOWN_BACKUP_PASSPHRASE", "AWS_SECRET_ACCESS_KEY"):
        assert meta[name] == "********************", name
    assert "s3cret" not in repr(meta)
    assert meta["HTTP_ACCEPT_LANGUAGE"] == "hy"  # the rest is shown as it was

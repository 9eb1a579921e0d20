"""The public log's fast answers (laydown.ledger.fast) carry exactly what the ordinary chain of
middleware gives: the same status, body and headers (security headers included), and they
leave everything else to the ordinary chain."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, override_settings

from laydown.ledger import services

pytestmark = pytest.mark.django_db

FAST = "laydown.ledger.fast.PublicLogMiddleware"
ORDINARY = [m for m in settings.MIDDLEWARE if m != FAST]
# Headers an ordinary answer adds because the chain ran, which a fast one does not need: the
# answer is the same for every cookie and language; and the request's own id.
CHAIN_ONLY = {"Vary", "Content-Language", "X-Request-ID"}


@pytest.fixture
def log_of_300() -> None:
    services.record_append_batch(
        entries=[("test.sample", {"n": i}) for i in range(300)], actor="clerk:1"
    )


def answers(path: str, **extra: str) -> tuple[tuple[int, bytes, dict[str, str]], ...]:
    fast = Client().get(path, **extra)  # type: ignore[arg-type]
    with override_settings(MIDDLEWARE=ORDINARY):
        ordinary = Client().get(path, **extra)  # type: ignore[arg-type]
    return tuple(
        (r.status_code, r.content, {k: v for k, v in r.headers.items() if k not in CHAIN_ONLY})
        for r in (fast, ordinary)
    )


@pytest.mark.parametrize(
    "path", ["/log/proof/0", "/log/proof/137", "/log/proof/299", "/log/checkpoint"]
)
def test_fast_answers_are_the_ordinary_answers(log_of_300: None, path: str) -> None:
    fast, ordinary = answers(path)
    assert fast[0] == 200
    assert fast == ordinary
    assert Client().get(path)["X-Request-ID"]
    assert fast[2]["Content-Security-Policy"] and fast[2]["X-Frame-Options"] == "DENY"
    assert fast[2]["X-Content-Type-Options"] == "nosniff"


def test_a_304_is_the_same_too(log_of_300: None) -> None:
    etag = Client().get("/log/checkpoint")["ETag"]
    fast, ordinary = answers("/log/checkpoint", HTTP_IF_NONE_MATCH=etag)
    assert fast[0] == 304
    assert fast == ordinary


@pytest.mark.parametrize("path", ["/log/proof/300", "/log/proof/99999999999999999999"])
def test_a_proof_beyond_the_log_is_the_ordinary_404_page(log_of_300: None, path: str) -> None:
    fast, ordinary = answers(path)
    assert fast[0] == ordinary[0] == 404
    assert b"<html" in fast[1] and b"<html" in ordinary[1]  # the page (a request id in it differs)
    assert fast[2].keys() == ordinary[2].keys()


def test_other_methods_query_strings_and_bad_hosts_go_the_ordinary_way(log_of_300: None) -> None:
    client = Client()
    assert client.post("/log/proof/1").status_code == 405
    assert client.head("/log/checkpoint").status_code == 405
    assert client.get("/log/proof/1?x=1").status_code == 200
    assert client.get("/log/proof/1", HTTP_HOST="evil.example").status_code == 400
    assert client.get("/log/checkpoint", HTTP_HOST="evil.example").status_code == 400

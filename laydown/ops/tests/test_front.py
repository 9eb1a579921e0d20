"""The WSGI front (laydown.ops.front) answers the public log's proofs, checkpoint and tiles as
Django's whole chain of middleware would (status, body, headers), with the request's id, log
line and metrics, and leaves everything else to Django."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.handlers.wsgi import WSGIHandler

from laydown.ledger import services
from laydown.ops.front import PublicLogFront
from laydown.ops.metrics import REQUESTS
from laydown.testing.wsgi import (
    AnswerByName,
    by_name,
    console_log,
    get,
    ordinary_handler,
    request_lines,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("connections_kept")]

# What an ordinary answer carries because the chain ran (the answer is the same for every
# cookie and language), and the request's own id.
CHAIN_ONLY = {"Vary", "Content-Language", "X-Request-ID"}
RID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


@pytest.fixture
def log_of_300() -> None:
    services.record_append_batch(
        entries=[("test.sample", {"n": i}) for i in range(300)], actor="clerk:1"
    )


def call(app: Any, path: str, **environ: str) -> AnswerByName:
    return by_name(get(app, path, **environ))


def front_and_ordinary(path: str, **environ: str) -> list[AnswerByName]:
    ordinary = ordinary_handler()
    answers = [call(PublicLogFront(ordinary), path, **environ), call(ordinary, path, **environ)]
    return [(s, {k: v for k, v in h.items() if k not in CHAIN_ONLY}, b) for s, h, b in answers]


@pytest.mark.parametrize(
    "path",
    [
        "/log/proof/0",
        "/log/proof/137",
        "/log/proof/299",
        "/log/checkpoint",
        "/log/tile/0/000",
        "/log/tile/0/001.p/44",
        "/log/tile/1/000.p/1",
    ],
)
def test_the_front_answers_as_the_whole_chain_would(log_of_300: None, path: str) -> None:
    front, ordinary = front_and_ordinary(path)
    assert front == ordinary
    assert front[0] == "200 OK" and front[1]["Content-Security-Policy"]
    assert front[1]["X-Frame-Options"] == "DENY" and front[1]["Referrer-Policy"] == "same-origin"


def test_a_304_and_https_headers_are_the_same_too(log_of_300: None, settings: Any) -> None:
    etag = call(PublicLogFront(WSGIHandler()), "/log/checkpoint")[1]["ETag"]
    front, ordinary = front_and_ordinary("/log/checkpoint", HTTP_IF_NONE_MATCH=etag)
    assert front[0] == "304 Not Modified" and front == ordinary
    settings.SECURE_HSTS_SECONDS = 3600
    front, ordinary = front_and_ordinary("/log/proof/5", **{"wsgi.url_scheme": "https"})
    assert front == ordinary and front[1]["Strict-Transport-Security"] == "max-age=3600"


@pytest.mark.parametrize(
    ("path", "environ", "status"),
    [
        ("/log/proof/300", {}, "404 Not Found"),  # beyond the log: the 404 page
        ("/log/tile/0/001", {}, "404 Not Found"),  # not (yet) in the tree
        ("/log/tile/0/001.p/45", {}, "404 Not Found"),
        ("/log/tile/0/1", {}, "404 Not Found"),  # not a canonical tile path
        ("/log/tile/0/000", {"REQUEST_METHOD": "HEAD"}, "405 Method Not Allowed"),
        ("/log/proof/1?x=1", {}, "200 OK"),
        ("/log/proof/1", {"HTTP_HOST": "evil.example"}, "400 Bad Request"),
        ("/log/checkpoint", {"REQUEST_METHOD": "HEAD"}, "405 Method Not Allowed"),
        ("/log/proof/1", {"HTTP_X_REQUEST_ID": "not-a-uuid"}, "200 OK"),
    ],
)
def test_anything_else_is_djangos(
    log_of_300: None, path: str, environ: dict[str, str], status: str
) -> None:
    seen: list[str] = []

    def django(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(environ["PATH_INFO"])
        return WSGIHandler()(environ, start_response)  # type: ignore[return-value]

    assert call(PublicLogFront(django), path, **environ)[0] == status
    assert seen == [path.partition("?")[0]]


def test_a_redirect_to_https_is_djangos(log_of_300: None, settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = True
    status, headers, _body = call(PublicLogFront(WSGIHandler()), "/log/checkpoint")
    assert status.startswith("301") and headers["Location"].startswith("https://")


def test_the_request_id_log_line_and_metrics_are_kept(log_of_300: None) -> None:
    counted = REQUESTS.labels("GET", "/log/proof/<int:index>", "200")
    before = counted._value.get()
    with console_log() as log:
        front = PublicLogFront(WSGIHandler())
        given = call(front, "/log/proof/7", HTTP_X_REQUEST_ID=RID)
        made = call(front, "/log/proof/8")
    assert given[1]["X-Request-ID"] == RID and len(made[1]["X-Request-ID"]) == 32
    assert [(x["path"], x["status"], x["request_id"]) for x in request_lines(log)] == [
        ("/log/proof/7", 200, RID),
        ("/log/proof/8", 200, made[1]["X-Request-ID"]),
    ]
    assert counted._value.get() == before + 2

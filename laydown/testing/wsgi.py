"""Calling a WSGI application in the test's own thread and transaction: the fronts' answers
(laydown.ops.front, laydown.ops.api_front) beside Django's own to the same request, and the log
lines the requests wrote. Nothing here runs in production.

`connections_kept` is a fixture for every test (the root conftest loads this module).
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.conf import settings
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import override_settings

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
Answer = tuple[str, list[tuple[str, str]], bytes]
AnswerByName = tuple[str, dict[str, str], bytes]


@pytest.fixture
def connections_kept() -> Iterator[None]:
    """The WSGI handler closes the database connection around each request, as a server must;
    the test's transaction lives on it, so it is kept open (as Django's test client does)."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


def environ(method: str, path: str, body: bytes = b"", **extra: Any) -> dict[str, Any]:
    """A request to the test server for `path` (with its query string, if any), with `body`;
    `extra`'s keys over the defaults."""
    path, _sep, query = path.partition("?")
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        **extra,
    }


def answer(app: WSGIApp, request: dict[str, Any]) -> Answer:
    """`app`'s status, headers (in their order, a repeated one each time) and body, the answer
    closed afterwards as a server closes it."""
    found: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        found["status"], found["headers"] = status, headers

    given = app(request, start_response)
    body = b"".join(given)
    if hasattr(given, "close"):
        given.close()
    return found["status"], found["headers"], body


def get(app: WSGIApp, path: str, **extra: Any) -> Answer:
    """`app`'s answer to a GET of `path`."""
    return answer(app, environ("GET", path, **extra))


def by_name(given: Answer) -> AnswerByName:
    """The answer with its headers by name (of a repeated header, the last)."""
    status, headers, body = given
    return status, dict(headers), body


def ordinary_handler() -> WSGIHandler:
    """Django's handler without the public log's fast answers (PublicLogMiddleware): neither
    those nor a front's, the ordinary chain."""
    fast = "laydown.ledger.fast.PublicLogMiddleware"
    with override_settings(MIDDLEWARE=[m for m in settings.MIDDLEWARE if m != fast]):
        return WSGIHandler()


@contextmanager
def console_log() -> Iterator[io.StringIO]:
    """What the settings' console handler writes meanwhile."""
    (console,) = [h for h in logging.getLogger().handlers if h.name == "console"]
    assert isinstance(console, logging.StreamHandler)
    buffer = io.StringIO()
    previous = console.setStream(buffer)
    try:
        yield buffer
    finally:
        console.setStream(previous)


def request_lines(log: io.StringIO) -> list[dict[str, Any]]:
    """The request log's lines (one a request) among the JSON lines of `log`."""
    lines = [json.loads(x) for x in log.getvalue().splitlines()]
    return [x for x in lines if x["logger"] == "laydown.request"]

"""Every request has an id (a proxy's X-Request-ID kept, else a new one), returned to the
client and carried by each JSON log line of that request; one line per request, without the
query string."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import os
import re
from collections.abc import Iterator

import pytest
from django.test import Client

from laydown.core.logs import logging_config
from laydown.testing.wsgi import console_log

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the settings' console handler writes, while the test runs."""
    with console_log() as buffer:
        yield buffer


def lines(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_a_proxys_request_id_is_kept_and_carried_by_the_request_line(log_lines) -> None:
    rid = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"  # nginx's $request_id: 32 hex digits
    response = Client().get("/log/checkpoint?name=Someone", HTTP_X_REQUEST_ID=rid)
    assert response["X-Request-ID"] == rid
    (line,) = [x for x in lines(log_lines) if x["logger"] == "laydown.request"]
    assert line["request_id"] == rid
    assert line["method"] == "GET"
    assert line["path"] == "/log/checkpoint"
    assert line["status"] == response.status_code
    assert isinstance(line["duration_ms"], float)
    assert line["level"] == "INFO"
    assert re.match(r"\d{4}-\d\d-\d\dT", str(line["time"]))
    assert "Someone" not in log_lines.getvalue()


def test_without_a_valid_id_the_request_gets_a_new_one(log_lines) -> None:
    response = Client().get("/log/checkpoint", HTTP_X_REQUEST_ID='x"\n{"forged": 1}')
    rid = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    assert lines(log_lines)[-1]["request_id"] == rid
    assert "forged" not in log_lines.getvalue()
    assert Client().get("/log/checkpoint")["X-Request-ID"] != rid


def test_errors_logged_during_a_request_carry_its_id(log_lines, settings) -> None:
    settings.ALLOWED_HOSTS = ["laydown.example.org"]
    response = Client().get("/", HTTP_HOST="elsewhere.example")
    assert response.status_code == 400
    rid = response["X-Request-ID"]
    refused = [x for x in lines(log_lines) if x["logger"] == "django.security.DisallowedHost"]
    assert refused and refused[0]["request_id"] == rid and refused[0]["level"] == "ERROR"


def test_health_probes_are_not_logged_unless_they_fail(log_lines) -> None:
    assert Client().get("/healthz").status_code == 200
    assert log_lines.getvalue() == ""


def test_text_logs_for_a_terminal_carry_the_id_too() -> None:
    config = logging_config("text")
    assert "%(request_id)s" in config["formatters"]["laydown"]["format"]


class Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.mark.parametrize("log_format", ["json", "text"])
def test_lean_log_records_leave_the_lines_as_they_were(log_format: str) -> None:
    """Records without the caller's place, thread and process (lean_log_records, set by the
    settings) are formatted exactly as full ones: no line shows those fields."""
    config = logging_config(log_format)
    formatter = logging.config.DictConfigurator(config).configure_formatter(
        config["formatters"]["laydown"]
    )
    lean = (logging._srcfile, logging.logThreads, logging.logProcesses)
    full = (os.path.normcase(logging.addLevelName.__code__.co_filename), True, True)
    formatted = []
    for flags in (full, lean):
        logging._srcfile, logging.logThreads, logging.logProcesses = flags
        logging.logMultiprocessing = flags[1]
        handler = Kept()
        logger = logging.getLogger("laydown.test.lean")
        logger.addHandler(handler)
        try:
            logger.warning("registered %s", "LD-000001", extra={"status": 201, "request_id": "r1"})
        finally:
            logger.removeHandler(handler)
        (record,) = handler.records
        record.created, record.msecs = 0.0, 0.0
        formatted.append(formatter.format(record))
    logging._srcfile, logging.logThreads, logging.logProcesses = lean
    logging.logMultiprocessing = lean[1]
    assert lean == (None, False, False)  # as the settings left them
    assert formatted[0] == formatted[1]
    assert "LD-000001" in formatted[1]

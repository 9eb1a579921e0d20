"""Logging: the settings' configuration and its filters."""

from __future__ import annotations

import logging
from typing import Any


class OneLineClientErrors(logging.Filter):
    """Log a refused or bad request (4xx: a 403 above all) as one line, without a traceback.

    Django logs the exception of a PermissionDenied or Http404 with its traceback: a few
    dozen lines for each refusal, which bury real errors (5xx keep theirs) and let anybody
    fill the log with a few requests. The line says the status, the path and the reason.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True


class ChosenThreads(logging.Filter):
    """Leave out granian's warning that a worker's threads outnumber the CPUs ("seems quite
    high ... consider `backpressure`"), written at every start: `laydown serve`'s shape (2
    workers x 25 threads on 2 CPUs) was chosen by measurement (laydown.server, docs/
    benchmarks.md), so to an operator the warning reads as a fault that is not one. Every other
    line of granian's passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Configuration allows spawning up to")


def lean_log_records() -> None:
    """Leave out of every log record what no line shows (the formats below, and the JSON
    formatter's reserved attributes): the caller's file, line and function (a walk up the
    stack for each line), the thread's and the process's names and ids. The logging HOWTO's
    "Optimization" switches; the lines are the same (a test). A request's line: 65 -> 52 us
    of CPU (median of 5 x 5,000, loaded machine), on every request the server answers."""
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def _formatter(log_format: str) -> dict[str, Any]:
    if log_format == "text":
        return {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    from pythonjsonlogger.core import RESERVED_ATTRS

    return {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": "%(levelname)s %(name)s %(message)s %(request_id)s",
        "rename_fields": {"levelname": "level", "name": "logger"},
        "timestamp": "time",
        # Django adds the request object to its lines: its text holds the query string
        "reserved_attrs": [*RESERVED_ATTRS, "request", "server_time"],
    }


def _console(log_format: str) -> dict[str, Any]:
    """The filters, formatter and stderr handler of every log line."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {
                "()": "django_guid.log_filters.CorrelationId",
                "correlation_id_field": "request_id",
            },
            "one_line_client_errors": {"()": "laydown.core.logs.OneLineClientErrors"},
        },
        "formatters": {"laydown": _formatter(log_format)},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "laydown",
                "filters": ["request_id"],
            }
        },
    }


def logging_config(log_format: str) -> dict[str, Any]:
    """Settings' LOGGING: every line on stderr, as one JSON object (`json`) or plain text,
    carrying the id of the request it was written in (`request_id`, from django-guid)."""
    return {
        **_console(log_format),
        "root": {"handlers": ["console"], "level": "WARNING"},
        "loggers": {
            # a refusal (403) or a missing page is one line, not a traceback; 5xx keep theirs
            "django.request": {"filters": ["one_line_client_errors"]},
            "laydown.request": {"level": "INFO"},
            "laydown.server": {"level": "INFO"},  # a worker of `laydown serve` stopping
        },
    }


def granian_logging(log_format: str) -> dict[str, Any]:
    """granian's own lines (listening, workers started, stopped, killed) in the same shape, as
    the dictConfig granian applies in its main process and in each worker before the
    application's. Its access log stays off: laydown.core.request_log writes one line per
    request, without the query string (which may hold names searched for)."""
    config = _console(log_format)
    config["filters"]["chosen_threads"] = {"()": "laydown.core.logs.ChosenThreads"}
    return {
        **config,
        "root": {"handlers": ["console"], "level": "WARNING"},
        "loggers": {
            "_granian": {
                "level": "INFO",
                "handlers": ["console"],
                "propagate": False,
                "filters": ["chosen_threads"],
            },
            "granian.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
    }

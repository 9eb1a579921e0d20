"""Prometheus metrics at /metrics, for a scraper holding LAYDOWN_METRICS_TOKEN (not public).

Per request (counted by the middleware in each worker process; with PROMETHEUS_MULTIPROC_DIR,
which `laydown serve` sets, the workers' counts are added up at each scrape):

- `laydown_http_requests_total{method, route, status}`: route is the URL pattern (never the
  path: no identifier or name searched for becomes a label);
- `laydown_http_request_duration_seconds{method, route}`: a histogram.

Read from the database at each scrape (so the same from any worker):

- `laydown_log_records_total`: records in the log (the newest checkpoint's size); its rate is
  the append rate; `laydown_log_checkpoint_timestamp_seconds`: when that checkpoint was signed;
- `laydown_jobs_queued`, `laydown_jobs_running`, `laydown_jobs_oldest_queued_seconds`;
- `laydown_witness_up{witness}` (1 when its last push was accepted),
  `laydown_witness_lag_records{witness}` (records it has not cosigned yet);
- `laydown_schedule_failures{work}` (failures in a row),
  `laydown_schedule_last_success_timestamp_seconds{work}`.

Without LAYDOWN_METRICS_TOKEN, /metrics answers 404, as it does to a wrong token: nobody learns
it is there. The nginx site refuses /metrics from outside as well (deploy/nginx).
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.urls import ResolverMatch
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

PATH = "/metrics"
REQUESTS = Counter("laydown_http_requests", "HTTP requests answered", ["method", "route", "status"])
DURATION = Histogram(
    "laydown_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "static" if request.path.startswith(f"/{settings.STATIC_URL}") else "unmatched"
    return route_label(match)


def route_label(match: ResolverMatch) -> str:
    """A resolved request's route label (laydown.ops.front labels its answers the same way)."""
    return f"/{match.route}" if match.route else match.view_name


class MetricsMiddleware:
    """Answers /metrics to the holder of the token; counts and times every other request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == PATH:
            return metrics_answer(request)
        start = time.perf_counter()
        response = self.get_response(request)
        method = request.method if request.method in _METHODS else "other"
        route = _route(request)
        DURATION.labels(method, route).observe(time.perf_counter() - start)
        REQUESTS.labels(method, route, str(response.status_code)).inc()
        return response


_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def _authorised(request: HttpRequest) -> bool:
    token = settings.LAYDOWN_METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def metrics_answer(request: HttpRequest) -> HttpResponse:
    if not _authorised(request):
        return HttpResponse(status=404)
    response = HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response


def registry() -> CollectorRegistry:
    """The workers' request metrics (added up over the processes in multiprocess mode) and
    the database's."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        dead_workers_marked(Path(directory))
        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged)  # type: ignore[no-untyped-call]
    else:
        merged = CollectorRegistry()
        merged.register(_Default())
    merged.register(DatabaseCollector())
    return merged


def dead_workers_marked(directory: Path) -> None:
    """Drop the live gauges of processes that are gone (their counts are kept): a stopping
    worker marks itself (laydown.server.worker_exit), one killed cannot."""
    for path in directory.glob("gauge_live*_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, str(directory))  # type: ignore[no-untyped-call]
        except PermissionError:
            pass  # alive, another user's


class _Default(Collector):
    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


class DatabaseCollector(Collector):
    """What the database says at the time of the scrape; nothing if it does not answer."""

    def collect(self) -> Iterator[Metric]:
        try:
            yield from _log_metrics()
            yield from _queue_metrics()
            yield from _witness_metrics()
            yield from _schedule_metrics()
        except DatabaseError:
            return


def _log_metrics() -> Iterator[Metric]:
    from laydown.ledger.models import Checkpoint

    newest = Checkpoint.objects.order_by("-size").values("size", "created_at").first()
    records = CounterMetricFamily("laydown_log_records", "Records in the log (appended so far)")
    records.add_metric([], newest["size"] if newest else 0)
    yield records
    if newest:
        yield GaugeMetricFamily(
            "laydown_log_checkpoint_timestamp_seconds",
            "When the newest checkpoint was signed (Unix time)",
            value=newest["created_at"].timestamp(),
        )


def _queue_metrics() -> Iterator[Metric]:
    from laydown.ops.health import jobs

    queue: dict[str, Any] = jobs()
    for key, name, text in (
        ("queued", "laydown_jobs_queued", "Background tasks waiting for laydown worker"),
        ("running", "laydown_jobs_running", "Background tasks running"),
        ("oldest_queued_seconds", "laydown_jobs_oldest_queued_seconds", "Wait of the oldest"),
    ):
        if queue.get(key) is not None:
            yield GaugeMetricFamily(name, text, value=queue[key])


def _witness_metrics() -> Iterator[Metric]:
    from laydown.ledger.models import Checkpoint, LogWitness

    newest = Checkpoint.objects.order_by("-size").values_list("size", flat=True).first() or 0
    up = GaugeMetricFamily(
        "laydown_witness_up", "1 if the last push was accepted", labels=["witness"]
    )
    lag = GaugeMetricFamily(
        "laydown_witness_lag_records", "Records the witness has not cosigned", labels=["witness"]
    )
    for name, status, size in LogWitness.objects.filter(active=True).values_list(
        "name", "last_status", "last_size"
    ):
        up.add_metric([name], 1 if status == "ok" else 0)
        lag.add_metric([name], max(newest - size, 0))
    yield up
    yield lag


def _schedule_metrics() -> Iterator[Metric]:
    from laydown.jobs.models import ScheduleRun

    failures = GaugeMetricFamily(
        "laydown_schedule_failures", "Failures in a row of periodic work", labels=["work"]
    )
    success = GaugeMetricFamily(
        "laydown_schedule_last_success_timestamp_seconds",
        "When periodic work last ended well (Unix time)",
        labels=["work"],
    )
    for run in ScheduleRun.objects.all():
        failures.add_metric([run.name], run.failures)
        if run.ok and run.finished_at is not None:
            success.add_metric([run.name], run.finished_at.timestamp())
    yield failures
    yield success

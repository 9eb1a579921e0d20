"""Prometheus metrics: /metrics only for the holder of the token (404 otherwise, as if absent);
requests counted by route and timed; the log, queue, witnesses and schedule read from the
database; under `laydown serve` the counts of every worker process added up."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from django.test import Client, override_settings
from prometheus_client.parser import text_string_to_metric_families

from laydown.jobs.models import ScheduleRun
from laydown.ledger import services
from laydown.ledger.models import LogWitness
from laydown.testing.serve import Served

TOKEN = "a-metrics-token-long-enough-0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def total(text: str, name: str, **labels: str) -> float:
    return sum(
        value
        for (n, found), value in samples(text).items()
        if n == name and all((k, v) in found for k, v in labels.items())
    )


@pytest.mark.django_db
def test_metrics_are_hidden_without_the_token() -> None:
    client = Client()
    assert client.get("/metrics").status_code == 404  # no token configured: off
    with override_settings(LAYDOWN_METRICS_TOKEN=TOKEN):
        assert client.get("/metrics").status_code == 404
        assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
        assert client.get("/metrics", headers=AUTH).status_code == 200


@pytest.mark.django_db
@override_settings(LAYDOWN_METRICS_TOKEN=TOKEN)
def test_metrics_count_requests_by_route_and_read_the_log_queue_and_witnesses() -> None:
    client = Client()
    before = client.get("/metrics", headers=AUTH).content.decode()
    for _ in range(3):
        client.get("/log/checkpoint")
    client.get("/no/such/page/123")
    services.record_append_batch(entries=[("test.sample", {"n": i}) for i in range(7)], actor="s")
    LogWitness.objects.create(name="w.example/a", vkey="k", url="http://w", last_status="ok")
    ScheduleRun.objects.create(name="backup", ok=False, failures=2)
    text = client.get("/metrics", headers=AUTH).content.decode()

    route = "/log/checkpoint"
    counted = total(text, "laydown_http_requests_total", route=route, status="200")
    assert counted - total(before, "laydown_http_requests_total", route=route, status="200") == 3
    assert total(text, "laydown_http_request_duration_seconds_count", route=route) >= 3
    assert total(text, "laydown_http_requests_total", route="unmatched", status="404") >= 1
    assert "123" not in "".join(k[0] + str(k[1]) for k in samples(text))  # no path as a label
    assert total(text, "laydown_log_records_total") >= 7
    assert total(text, "laydown_jobs_queued") == 0
    assert total(text, "laydown_witness_up", witness="w.example/a") == 1
    assert total(text, "laydown_witness_lag_records", witness="w.example/a") >= 7
    assert total(text, "laydown_schedule_failures", work="backup") == 2


@pytest.mark.slow
def test_the_production_server_adds_up_the_counts_of_all_its_workers(
    subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    served = Served(
        subprocess_env,
        tmp_path / "data",
        LAYDOWN_WORKERS="3",
        LAYDOWN_THREADS="1",
        LAYDOWN_METRICS_TOKEN=TOKEN,
    )
    try:
        with httpx.Client(base_url=served.url, timeout=10) as client:
            # new connections each time: the requests spread over the workers
            for _ in range(30):
                assert httpx.get(served.url + "/log/checkpoint", timeout=10).status_code == 200
            text = client.get("/metrics", headers=AUTH).text
            assert client.get("/metrics").status_code == 404
        route = "/log/checkpoint"
        assert total(text, "laydown_http_requests_total", route=route, status="200") == 30
        assert len(list((tmp_path / "data" / "metrics").glob("*.db"))) >= 2  # several workers
    finally:
        served.stop()


@pytest.mark.django_db
def test_the_public_logs_fast_answers_are_counted_by_their_route() -> None:
    """laydown.ledger.fast answers proofs before Django resolves the URL: counted all the same."""
    from laydown.ops.metrics import REQUESTS

    services.record_append_batch(entries=[("test.sample", {"n": 1})] * 6, actor="clerk:1")

    def count() -> float:
        sample = REQUESTS.labels("GET", "/log/proof/<int:index>", "200")
        return float(sample._value.get())

    before = count()
    Client().get("/log/proof/5")
    assert count() == before + 1


def test_a_scrape_drops_the_live_gauges_of_processes_that_are_gone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker killed (it outlasted its graceful stop) cannot mark itself dead: the next
    scrape does, for every file of a PID that no longer runs; a running one's are kept."""
    import os
    import subprocess

    from laydown.ops.metrics import dead_workers_marked

    ended = subprocess.Popen(["true"])  # noqa: S607 - a PID that surely ran and is gone
    ended.wait()
    gone = tmp_path / f"gauge_livesum_{ended.pid}.db"
    alive = tmp_path / f"gauge_livesum_{os.getpid()}.db"
    counts = tmp_path / f"counter_{ended.pid}.db"
    for path in (gone, alive, counts):
        path.write_bytes(b"")
    dead_workers_marked(tmp_path)
    assert not gone.exists()
    assert alive.exists() and counts.exists()  # a live process's gauges, and counts, are kept

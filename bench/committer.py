"""The group committer's CPU per registration at realistic batch sizes, in-process.

    python bench/committer.py [--batch 1,10,50] [--runs 5] [--regs 200] [--db URL]

A fresh data directory (and database, for a PostgreSQL URL) with a collection point and 5,000
records already in the log. For each batch size K, K `item_collect` calls (each its own weapon,
as K clients would send them at once; checked in the queuing thread, as the callers' threads
check them) are queued to the real committer thread (laydown.ledger.group) while it is held busy
by a gate call, so it takes all K in one batch, as under load with K clients. Per run (`--regs`
registrations, then the next run): the committer thread's CPU per registration (time.thread_time
in that thread), and on PostgreSQL the CPU of its backend (/proc/PID/stat, when the server runs
on this machine); min/median/max over the runs. Statements per registration are counted on one
extra batch of each size (not timed).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this tree's laydown

from _server import bench_env, machine, run_setup  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def setup_child() -> None:
    from _server import setup_programme

    setup_programme()
    from laydown.ledger import services as ledger

    ledger.record_append_batch(
        entries=[("ledger.witness_refused", {"n": i, "status": 0}) for i in range(5000)],
        actor="bench",
    )
    print(json.dumps({}))


def backend_cpu(pid: int | None) -> float | None:
    """CPU seconds (user + system) of a PostgreSQL backend on this machine, from /proc."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


class Meter:
    """Wraps group.commit_batch (what the committer thread runs for each batch): its CPU time,
    its batch sizes, and (when `counting`) its statements."""

    def __init__(self) -> None:
        from laydown.ledger import group

        self.cpu = 0.0
        self.calls = 0
        self.counting = False
        self.statements = 0
        self.backend_pid: int | None = None
        self.sizes: list[int] = []
        self.profiler: cProfile.Profile | None = None
        self.gates: set[Any] = set()  # the calls that hold the committer: not measured
        inner = group.commit_batch

        def measured(batch: list[Any], gather: Any = None) -> None:
            from django.db import connection

            if self.backend_pid is None and connection.vendor == "postgresql":
                connection.ensure_connection()
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    self.backend_pid = cursor.fetchone()[0]
            if any(call in self.gates for call in batch):
                inner(batch, gather)
                return
            if self.counting:
                counted = [0]

                def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
                    counted[0] += len(params) if many else 1
                    return execute(sql, params, many, context)

                with connection.execute_wrapper(count):
                    inner(batch, gather)
                self.statements += counted[0]
                return
            c0 = time.thread_time()
            if self.profiler is not None:
                self.profiler.enable()
            inner(batch, gather)
            if self.profiler is not None:
                self.profiler.disable()
            self.cpu += time.thread_time() - c0
            self.sizes.append(len(batch))

        group.commit_batch = measured


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", default="1,10,50")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--regs", type=int, default=200, help="registrations per run")
    parser.add_argument("--db", default="")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile (CPU time) of the largest batches"
    )
    parser.add_argument("--setup", action="store_true")
    args = parser.parse_args()
    if args.setup:
        setup_child()
        return
    sizes = [int(k) for k in args.batch.split(",")]
    with tempfile.TemporaryDirectory(prefix="laydown-committer-") as data_dir:
        env = bench_env(data_dir, args.db)
        run_setup(__file__, env, "committer")
        os.environ.update(env)
        os.environ["LAYDOWN_GROUP_COMMIT"] = "1"
        import django

        django.setup()
        import logging

        logging.disable(logging.CRITICAL)
        from django.conf import settings

        assert settings.LAYDOWN_GROUP_COMMIT
        from laydown.accounts.services import SYSTEM
        from laydown.arms.models import Site
        from laydown.arms.services.collected import collected_write
        from laydown.arms.services.collection import item_checked
        from laydown.ledger import group

        site = Site.objects.get(code="cp-1")
        meter = Meter()
        serial = iter(range(10**9))

        def registration() -> group._Call:
            """A call as `item_collect` queues it: its checks done here, in the caller's
            thread (not measured), the write left to the committer."""
            checked = item_checked(
                actor=SYSTEM,
                site=site,
                category="sa_assault_rifle",
                make="Kalashnikov",
                model="AKM",
                calibre="7.62x39mm",
                serial=f"CB-{next(serial):07d}",
                year=1970,
                condition="serviceable",
            )
            return group.bulk_call(collected_write, checked, "en")

        def one_batch(k: int) -> None:
            """K calls queued while the committer is held, so it takes them as one batch."""
            held, release = threading.Event(), threading.Event()

            def gate() -> None:
                held.set()
                release.wait()

            gate_call = group._Call(gate, None)
            meter.gates = {gate_call}
            group._ensure_committer()
            group._queue.put(gate_call)
            held.wait()
            calls = [registration() for _ in range(k)]
            for call in calls:
                group._queue.put(call)
            release.set()
            gate_call.future.result()
            for call in calls:
                call.future.result()  # raises if a registration failed

        meter.counting = False
        for k in sizes:  # warm-up: every statement compiled, every cache met
            one_batch(k)
        results: dict[int, dict[str, Any]] = {}
        for k in sizes:
            meter.counting = True
            meter.statements = 0
            one_batch(k)
            meter.counting = False
            results[k] = {"statements": meter.statements / k, "cpu": [], "backend": []}
        profiler = cProfile.Profile(time.thread_time)
        batches_of = {k: max(1, args.regs // k) for k in sizes}
        for _run in range(args.runs):
            for k in sizes:  # the sizes alternate within each run
                meter.cpu, meter.sizes = 0.0, []
                if args.profile and k == max(sizes):
                    meter.profiler = profiler
                b0 = backend_cpu(meter.backend_pid)
                for _ in range(batches_of[k]):
                    one_batch(k)
                b1 = backend_cpu(meter.backend_pid)
                meter.profiler = None
                regs = sum(meter.sizes)
                assert meter.sizes == [k] * batches_of[k], (k, meter.sizes)
                results[k]["cpu"].append(meter.cpu / regs)
                if b0 is not None and b1 is not None:
                    results[k]["backend"].append((b1 - b0) / regs)
        group.shutdown()
        if args.profile:
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            if os.environ.get("PROFILE_DUMP"):  # for pstats by hand
                stats.dump_stats(os.environ["PROFILE_DUMP"])
            stats.sort_stats("cumulative").print_stats(50)
            stats.sort_stats("tottime").print_stats(40)
            print(out.getvalue())
        print(f"{machine()}, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC")
        print(
            f"{'SQLite' if not args.db else 'PostgreSQL'}, {args.runs} runs of ~{args.regs} "
            "registrations per batch size; committer thread CPU per registration (ms)"
        )
        for k in sizes:
            per = sorted(1000 * cpu for cpu in results[k]["cpu"])
            line = (
                f"  K={k:>3}: {per[0]:.3f} / {statistics.median(per):.3f} / {per[-1]:.3f} ms "
                f"(min/median/max), {results[k]['statements']:.1f} statements per registration"
            )
            if results[k]["backend"]:
                backend = sorted(1000 * b for b in results[k]["backend"])
                line += (
                    f"; PostgreSQL backend {backend[0]:.3f} / {statistics.median(backend):.3f}"
                    f" / {backend[-1]:.3f} ms"
                )
            print(line)


if __name__ == "__main__":
    main()

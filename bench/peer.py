"""The same work on both sides: laydown.tlog's MemoryTree beside pymerkle's InmemoryTree.

    python bench/peer.py [--leaves 200000] [--runs 5] [--write docs/benchmarks.md]

Three jobs, each run `--runs` times on each side, reporting min / median / max of wall time
and of CPU time (the process's user + system time), so a busy machine shows as a gap between
the two rather than as a false ratio:

- one call per leaf: `MemoryTree.append([entry])` against `InmemoryTree.append_entry(entry)`,
  then the root;
- one batch call: `MemoryTree.append(entries)` against `InmemoryTree.append_entries(entries)`,
  then the root;
- inclusion proofs of the same random indices against the full tree (2,000 on both sides).

Both trees are SHA-256 RFC 9162 trees; the roots are checked equal.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _server import write_section

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from laydown import tlog  # noqa: E402


def timed(run: Callable[[], object], runs: int) -> dict[str, list[float]]:
    wall, cpu = [], []
    for _ in range(runs):
        w0, c0 = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return {"wall": wall, "cpu": cpu}


def jobs(n: int, proofs: int) -> dict[str, tuple[Callable[[], object], Callable[[], object]]]:
    import pymerkle

    entries = [b"record %d" % i for i in range(n)]
    expected = tlog.root_hash([tlog.leaf_hash(e) for e in entries])

    def ours_each() -> None:
        tree = tlog.MemoryTree()
        for entry in entries:
            tree.append((entry,))
        assert tree.root() == expected

    def theirs_each() -> None:
        tree = pymerkle.InmemoryTree(algorithm="sha256")
        for entry in entries:
            tree.append_entry(entry)
        assert tree.get_root() == expected

    def ours_batch() -> None:
        tree = tlog.MemoryTree()
        tree.append(entries)
        assert tree.root() == expected

    def theirs_batch() -> None:
        tree = pymerkle.InmemoryTree(algorithm="sha256")
        tree.append_entries(entries)
        assert tree.get_root() == expected

    ours_tree = tlog.MemoryTree()
    ours_tree.append(entries)
    theirs_tree = pymerkle.InmemoryTree(algorithm="sha256")
    theirs_tree.append_entries(entries)
    indices = [random.Random(7).randrange(n) for _ in range(proofs)]

    def ours_proofs() -> None:
        for i in indices:
            ours_tree.inclusion_proof(i, n)

    def theirs_proofs() -> None:
        for i in indices:
            theirs_tree.prove_inclusion(i + 1, n)  # pymerkle counts leaves from 1

    return {
        "append, one call per leaf": (ours_each, theirs_each),
        "append, one batch call": (ours_batch, theirs_batch),
        f"{proofs:,} inclusion proofs": (ours_proofs, theirs_proofs),
    }


def spread(values: list[float]) -> str:
    return f"{min(values):.2f} / {statistics.median(values):.2f} / {max(values):.2f}"


def markdown(results: dict[str, Any], args: argparse.Namespace, version: str) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "<!-- peer:begin -->",
        "## laydown.tlog and pymerkle, the same work on both sides",
        "",
        f"Written by `python bench/peer.py --leaves {args.leaves} --runs {args.runs} --write "
        "docs/benchmarks.md` (issue 20).",
        "",
        f"- Date: {now}",
        f"- Machine: {platform.system()} {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average at the end {os.getloadavg()[0]:.1f} "
        "(above ~1.5 the machine was shared: compare CPU time, which a busy machine inflates "
        "less than wall time)",
        f"- Peer: pymerkle {version} (`InmemoryTree`, sha256); {args.leaves:,} leaves; "
        f"{args.runs} runs per cell, min / median / max in seconds",
        "",
        "| job | Laydown wall | Laydown CPU | pymerkle wall | pymerkle CPU | median CPU ratio |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for job, (ours, theirs) in results.items():
        ratio = statistics.median(theirs["cpu"]) / statistics.median(ours["cpu"])
        lines.append(
            f"| {job} | {spread(ours['wall'])} | {spread(ours['cpu'])} | "
            f"{spread(theirs['wall'])} | {spread(theirs['cpu'])} | {ratio:.1f}x |"
        )
    lines += [
        "",
        "A ratio above 1 means Laydown needs less CPU for the job. Earlier figures in this file "
        "compared one Laydown call for the whole list with one pymerkle call per leaf; the "
        "rows above do the same calls on both sides.",
        "<!-- peer:end -->",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leaves", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--proofs", type=int, default=2000)
    parser.add_argument("--write", type=Path)
    args = parser.parse_args()
    from importlib.metadata import version

    results = {
        job: (timed(ours, args.runs), timed(theirs, args.runs))
        for job, (ours, theirs) in jobs(args.leaves, args.proofs).items()
    }
    text = markdown(results, args, version("pymerkle"))
    print(text)
    if args.write:
        write_section(args.write, text, "peer")


if __name__ == "__main__":
    main()

"""CPU of one served proof in-process: `/log/proof/N`'s answer (laydown.ledger.views.proof_answer,
what laydown.ops.front calls) for random indices of a large log, without the HTTP server.

    python bench/proof_cpu.py [--size 1000000] [--proofs 2000] [--runs 3] [--warm 20] [--data DIR]

The log is made fast: `--size` leaf hashes (no records: a proof reads only the tiles and the
checkpoint) appended as tiles by `tlog.tiles_append` and written as the appends write them,
with one checkpoint signed by the log key, in a fresh SQLite data directory (kept in `--data`,
default var/bench-proof/SIZE, and reused). Each run is a process of its own: `--warm` proofs to
warm it (20: a process that has met few of the log's tiles; 30,000 at 10^6 leaves: one that has
kept the inner nodes of nearly every full tile), then `--proofs` random indices timed with
time.process_time; calls of hashlib.sha256 (the
tile hashing) and SQL queries per proof are counted in a last pass. The over-HTTP figure (the
server's CPU per request, the HTTP server and the request path included) is bench/load.py's
`--proof-size`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def build(size: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from laydown import tlog
    from laydown.ledger import keys, services

    call_command("migrate", verbosity=0)
    keys.key_create_if_absent()
    leaves = [hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(size)]

    def nothing(level: int, n: int) -> bytes:
        raise KeyError((level, n))

    with transaction.atomic():
        services._write_tiles(tlog.tiles_append(0, leaves, nothing))
        services._sign(keys.log_signer(), size, tlog.edge_root(tlog.edge_append(0, [], leaves)))


def measure(size: int, proofs: int, seed: int, warm: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from laydown.ledger import views

    rng = random.Random(seed)
    for _ in range(warm):
        views.proof_answer(rng.randrange(size))
    indices = [rng.randrange(size) for _ in range(proofs)]
    c0 = time.process_time()
    for index in indices:
        views.proof_answer(index)
    cpu = time.process_time() - c0
    calls = [0]
    sha256 = hashlib.sha256

    def counted(data: bytes = b"") -> Any:
        calls[0] += 1
        return sha256(data)

    setattr(hashlib, "sha256", counted)  # noqa: B010 (what the tile hashing looks up each time)
    with CaptureQueriesContext(connection) as queries:
        for _ in range(proofs):
            views.proof_answer(rng.randrange(size))
    return {
        "ms": cpu / proofs * 1000,
        "sha256": calls[0] / proofs,
        "queries": len(queries) / proofs,
        "load": os.getloadavg()[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warm", type=int, default=20, help="proofs before the timed ones")
    parser.add_argument("--data", help="data directory (default var/bench-proof/SIZE)")
    parser.add_argument("--child", choices=["build", "measure"], help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "build":
        build(args.size)
        return
    if args.child == "measure":
        print(json.dumps(measure(args.size, args.proofs, args.seed, args.warm)))
        return
    data = Path(args.data or ROOT / "var" / "bench-proof" / str(args.size))
    env = dict(os.environ, LAYDOWN_DATA_DIR=str(data), LAYDOWN_DATABASE_URL="")
    env.update(DJANGO_SETTINGS_MODULE="laydown.settings", PYTHONPATH=str(ROOT))
    me = [sys.executable, __file__, f"--size={args.size}", f"--proofs={args.proofs}"]
    me.append(f"--warm={args.warm}")
    if not (data / "built").exists():
        data.mkdir(parents=True, mode=0o700, exist_ok=True)
        subprocess.run([*me, "--child=build"], env=env, check=True)  # noqa: S603
        (data / "built").write_text(str(args.size))
    runs = []
    for seed in range(1, args.runs + 1):
        done = subprocess.run(  # noqa: S603
            [*me, "--child=measure", f"--seed={seed}"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    ms = [r["ms"] for r in runs]
    print(
        f"proof at {args.size:,} leaves, in-process, {args.proofs} random indices a run after "
        f"{args.warm:,} to warm, "
        f"{len(runs)} runs: CPU min / median / max {min(ms):.3f} / {statistics.median(ms):.3f} / "
        f"{max(ms):.3f} ms per proof; {runs[0]['sha256']:.0f} hashlib.sha256 calls and "
        f"{runs[0]['queries']:.2f} queries per proof; load {runs[0]['load']:.1f}-"
        f"{runs[-1]['load']:.1f}"
    )


if __name__ == "__main__":
    main()

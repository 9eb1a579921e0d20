"""A writer process for the concurrency and crash tests: appends batches, reports each commit.

python -m laydown.ledger.tests.writer --batches N --batch-size M [--tag T]
"""

from __future__ import annotations

import argparse
import os
import sys


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, required=True)
    parser.add_argument("--batch-size", type=int, required=True)
    parser.add_argument("--tag", default="w")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laydown.settings")
    import django

    django.setup()
    from django.db import close_old_connections

    from laydown.ledger import kinds, services

    if kinds.get("test.sample") is None:
        kinds.register("test.sample", description="A record written by the test suite.")
    for b in range(args.batches):
        entries = [
            ("test.sample", {"writer": args.tag, "batch": b, "n": i})
            for i in range(args.batch_size)
        ]
        records = services.record_append_batch(entries=entries, actor=f"writer:{args.tag}")
        print(f"committed {args.tag} {b} {records[-1].index + 1}", flush=True)
    close_old_connections()
    sys.exit(0)


if __name__ == "__main__":
    main()

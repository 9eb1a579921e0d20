"""A process that registers records one per call from many threads through the group
committer, printing `saved <index>` once each call has returned (used by test_group_commit)."""

from __future__ import annotations

import os
import sys
import threading

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "laydown.settings")
    os.environ["LAYDOWN_GROUP_COMMIT"] = "1"
    django.setup()
    from laydown.ledger import group, services

    @group.grouped
    def register(n: int) -> int:
        return services.record_append(kind="test.sample", data={"n": n}, actor="clerk").index

    from laydown.ledger import kinds

    if kinds.get("test.sample") is None:
        kinds.register("test.sample", description="A record written by the test suite.")
    lock = threading.Lock()

    def client(c: int) -> None:
        for i in range(100000):
            index = register(c * 1000000 + i)
            with lock:
                print(f"saved {index}", flush=True)

    threads = [
        threading.Thread(target=client, args=(c,), daemon=True) for c in range(int(sys.argv[1]))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()

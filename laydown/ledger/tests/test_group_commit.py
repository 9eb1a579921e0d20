"""Group commit: concurrent single writes share one transaction and one checkpoint, and each
caller still gets its own record or its own error, and only once it is committed."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from laydown import tlog
from laydown.core.errors import ValidationError
from laydown.ledger import group, keys, replay, selectors, services
from laydown.ledger.models import Checkpoint, LogHead, Record, Tile
from laydown.testing.ledger import assert_log_is_whole, log_held_by_another_writer


@group.grouped
def register(n: int, *, fail: bool = False) -> Record:
    """A service as the apps write them: append, then maybe refuse (after appending)."""
    record = services.record_append(kind="test.sample", data={"n": n}, actor="clerk")
    if fail:
        raise ValidationError(f"record {n} refused", fields={"n": "refused"})
    return record


@pytest.fixture
def committer() -> Iterator[None]:
    with override_settings(LAYDOWN_GROUP_COMMIT=True):
        yield
    group.shutdown()


def calls(*specs: tuple[int, bool]) -> list[group._Call]:
    return [group._Call(lambda n=n, f=f: register.__wrapped__(n, fail=f), None) for n, f in specs]


@pytest.mark.django_db(transaction=True)
def test_a_batch_signs_one_checkpoint_and_one_callers_error_spares_the_others(committer) -> None:
    services.record_append(kind="test.sample", data={"n": -1}, actor="clerk")
    batch = calls((0, False), (1, False), (2, True), (3, False))
    group.commit_batch(batch)
    assert [c.future.result().index for c in batch if c is not batch[2]] == [1, 2, 3]
    with pytest.raises(ValidationError, match="record 2 refused"):
        batch[2].future.result()
    assert [r.data["n"] for r in Record.objects.order_by("index")] == [-1, 0, 1, 3]
    assert list(Checkpoint.objects.order_by("size").values_list("size", flat=True)) == [1, 4]
    assert_log_is_whole(4)
    assert replay.ledger_replay(check_only=True).checkpoints == 2


@pytest.mark.django_db(transaction=True)
def test_when_the_batch_cannot_commit_no_caller_is_told_saved(committer) -> None:
    services.record_append(kind="test.sample", data={"n": -1}, actor="clerk")
    key = keys.key_path()
    moved = key.with_name("log.key.away")

    def lose_the_key() -> None:  # the batch's checkpoint cannot be signed: the commit fails
        key.rename(moved)
        keys.log_signer.cache_clear()

    batch = [*calls((0, False), (1, False)), group._Call(lose_the_key, None)]
    try:
        group.commit_batch(batch)
    finally:
        moved.rename(key)
        keys.log_signer.cache_clear()
    for call in batch:
        with pytest.raises(Exception, match="no signing key"):
            call.future.result()
    assert selectors.log_size() == 1
    assert Record.objects.count() == 1
    assert_log_is_whole(1)


@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_share_commits_and_each_gets_its_own_record(committer) -> None:
    results: dict[int, int | str] = {}

    def client(c: int) -> None:
        for i in range(10):
            n = c * 100 + i
            try:
                results[n] = register(n, fail=(n % 7 == 0)).index
            except ValidationError as exc:
                results[n] = exc.message

    threads = [threading.Thread(target=client, args=(c,)) for c in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stored = {r.data["n"]: r.index for r in Record.objects.all()}
    assert stored == {n: i for n, i in results.items() if isinstance(i, int)}
    assert {n for n, i in results.items() if isinstance(i, str)} == {
        n for n in results if n % 7 == 0
    }
    assert len(stored) == 80 - len([n for n in results if n % 7 == 0])
    assert Checkpoint.objects.count() < len(stored)  # batches formed while a commit ran
    assert_log_is_whole(len(stored))


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_the_service_runs_in_it_as_before(committer) -> None:
    from django.db import transaction

    with transaction.atomic():
        record = register(5)
        assert threading.current_thread() is threading.main_thread()
    assert record.index == 0
    assert group._thread is None  # the committer was never needed


@pytest.mark.django_db(transaction=True)
def test_a_process_killed_mid_batch_kept_every_record_it_reported_saved(
    subprocess_env: dict[str, str],
) -> None:
    saved: list[int] = []
    with subprocess.Popen(
        [sys.executable, "-m", "laydown.ledger.tests.group_writer", "12"],
        env=subprocess_env,
        stdout=subprocess.PIPE,
        text=True,
    ) as writer:
        assert writer.stdout is not None
        for line in writer.stdout:
            saved.append(int(line.split()[-1]))
            if len(saved) == 300:
                break
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL
    size = selectors.log_size()
    assert set(saved) <= set(range(size)), "a caller was told saved for a lost record"
    assert Checkpoint.objects.order_by("-size").first().size == size
    assert Checkpoint.objects.count() < size  # the writer's calls were grouped
    assert_log_is_whole(size)


@pytest.mark.django_db(transaction=True)
def test_a_callers_database_error_spares_the_others_good_records(committer) -> None:
    """On PostgreSQL a failed statement spoils the whole transaction unless its savepoint is
    rolled back: a caller whose INSERT breaks a constraint must not cost the others theirs."""
    services.record_append(kind="test.sample", data={"n": -1}, actor="clerk")

    def clash() -> None:  # appends, then writes a checkpoint row that already exists
        register.__wrapped__(99)
        Checkpoint.objects.create(size=1, root=b"\0" * 32, note="a second checkpoint of size 1")

    batch = [*calls((0, False)), group._Call(clash, None), *calls((1, False))]
    group.commit_batch(batch)
    assert [batch[0].future.result().index, batch[2].future.result().index] == [1, 2]
    with pytest.raises(IntegrityError):
        batch[1].future.result()
    assert [r.data["n"] for r in Record.objects.order_by("index")] == [-1, 0, 1]
    assert_log_is_whole(3)


@pytest.mark.django_db(transaction=True)
def test_two_processes_committing_at_once_share_one_gap_free_log(
    subprocess_env: dict[str, str],
) -> None:
    """Two web workers, each with its own committer: the log head lock orders their batches,
    and every record either was reported saved at its own index or was never reported."""
    writers = [
        subprocess.Popen(
            [sys.executable, "-m", "laydown.ledger.tests.group_writer", "6"],
            env=subprocess_env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    saved: list[list[int]] = [[], []]

    def read(w: int) -> None:
        stream = writers[w].stdout
        assert stream is not None
        for line in stream:
            saved[w].append(int(line.split()[-1]))
            if len(saved[w]) == 150:
                return

    readers = [threading.Thread(target=read, args=(w,)) for w in range(2)]
    for t in readers:
        t.start()
    for t in readers:
        t.join(timeout=120)
    for writer in writers:
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
        assert writer.stdout is not None
        writer.stdout.close()
    assert [len(s) for s in saved] == [150, 150]
    assert not set(saved[0]) & set(saved[1]), "two callers were told the same index"
    size = selectors.log_size()
    assert set(saved[0]) | set(saved[1]) <= set(range(size))
    assert Checkpoint.objects.order_by("-size").first().size == size
    assert_log_is_whole(size)


@pytest.mark.django_db(transaction=True)
def test_calls_queued_while_another_writer_holds_the_log_join_the_waiting_batch(
    committer,
) -> None:
    """The committer takes its batch once its turn at the log has come: calls queued while it
    waited for another writer (another worker's committer) go into that batch, not the next."""
    services.record_append(kind="test.sample", data={"n": -1}, actor="clerk")
    first, *later = calls((0, False), (1, False), (2, False))
    with log_held_by_another_writer():
        group._queue.put(first)
        group._ensure_committer()
        for _ in range(3000):  # until the committer has taken it (and waits for the lock)
            if group._queue.empty():
                break
            threading.Event().wait(0.01)
        for call in later:
            group._queue.put(call)
    assert [call.future.result(timeout=60).index for call in (first, *later)] == [1, 2, 3]
    assert list(Checkpoint.objects.order_by("size").values_list("size", flat=True)) == [1, 4]
    assert_log_is_whole(4)


def queries_of_a_batch(size: int) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    batch = calls(*((n, False) for n in range(size)))
    with CaptureQueriesContext(connection) as queries:
        group.commit_batch(batch)
    assert all(call.future.result() for call in batch)
    return [q["sql"] for q in queries.captured_queries]


@pytest.mark.django_db(transaction=True)
def test_a_batch_reads_and_writes_the_log_head_and_tiles_once(committer) -> None:
    """A batch's own work is a few queries whatever its size: the log head, its partial tiles
    and the newest checkpoint read at the first append, the tiles, the checkpoint and the head
    written at the end; each call adds its savepoints and its record."""
    services.record_append(kind="test.sample", data={"n": -1}, actor="clerk")
    one, five = queries_of_a_batch(1), queries_of_a_batch(5)
    per_call = (len(five) - len(one)) / 4
    assert per_call == 3  # the call's savepoint (2: the append shares it), the record (1)
    own = [sql for sql in one if sql not in ("BEGIN", "BEGIN IMMEDIATE", "COMMIT")]
    assert len(own) - per_call == 6, one  # 3 reads at the first append, 3 writes at the end
    for table in ("ledger_loghead", "ledger_tile", "ledger_checkpoint"):
        assert sum(table in sql for sql in five) == 2, (table, five)  # read once, written once


def one_by_one(leaves: list[bytes]) -> tuple[dict[tuple[int, int], bytes], list[bytes]]:
    """The tiles and right edge that appending `leaves` one record at a time leaves: each
    append extends the partial tiles it reads and the edge, as an append outside a batch."""
    tiles: dict[tuple[int, int], bytes] = {}
    edge: list[bytes] = []
    for size, leaf in enumerate(leaves):
        tiles.update(tlog.tiles_append(size, [leaf], lambda level, n: tiles[(level, n)]))
        edge = tlog.edge_append(size, edge, [leaf])
    return tiles, edge


def assert_as_appended_one_by_one() -> None:
    """The stored tiles, log head and newest checkpoint are byte for byte those of appending
    the stored records one at a time."""
    leaves = [
        bytes(h) for h in Record.objects.order_by("index").values_list("leaf_hash", flat=True)
    ]
    size = len(leaves)
    tiles, edge = one_by_one(leaves)
    stored = {
        (lv, n): bytes(h) for lv, n, h in Tile.objects.values_list("level", "index", "hashes")
    }
    assert stored == tiles
    head = LogHead.objects.get()
    assert (head.size, bytes(head.root)) == (size, tlog.root_hash(leaves))
    assert bytes(head.edge) == tlog.join_edge(edge)
    assert bytes(head.edge_tiles) == services._edge_tiles_digest(size, tiles)
    newest = selectors.checkpoint_latest()
    assert (newest.size, newest.root) == (size, tlog.root_hash(leaves))
    assert_log_is_whole(size)


def appends(n: int, count: int, *, fail: bool = False) -> group._Call:
    """A call appending `count` records in one append, refused after it when `fail`."""

    def run() -> list[Record]:
        entries = [("test.sample", {"n": n + i}) for i in range(count)]
        records = services.record_append_batch(entries=entries, actor="clerk")
        if fail:
            raise ValidationError(f"records {n}.. refused", fields={"n": "refused"})
        return records

    return group._Call(run, None)


def takes_one_back(n: int) -> group._Call:
    """A call whose service appends in a savepoint of its own, rolls it back, goes on."""

    def run() -> list[Record]:
        try:
            with transaction.atomic():
                services.record_append(kind="test.sample", data={"n": n}, actor="clerk")
                raise LookupError("taken back")
        except LookupError:
            pass
        return [services.record_append(kind="test.sample", data={"n": n + 1}, actor="clerk")]

    return group._Call(run, None)


@pytest.mark.django_db(transaction=True)
def test_a_batch_leaves_the_tiles_and_head_of_one_by_one_appends_whatever_rolled_back(
    committer,
) -> None:
    """Across a tile boundary, with calls rolled back first, in the middle, last, and inside a
    call that goes on: exactly the records of the calls that stand, and their tiles, edge and
    checkpoint as if each had been appended alone."""
    services.record_append_batch(
        entries=[("test.sample", {"n": -i}) for i in range(1, 251)], actor="clerk"
    )
    batch = [
        appends(0, 2, fail=True),  # the first append of the batch taken back
        appends(10, 3),
        appends(20, 1, fail=True),
        takes_one_back(30),
        appends(40, 5),  # crosses 256 = one full tile at level 0
        appends(50, 4, fail=True),  # in the new tile, taken back
        appends(60, 1),
        appends(70, 2, fail=True),  # the last call taken back
    ]
    group.commit_batch(batch)
    kept = [r.data["n"] for c in batch if not c.future.exception() for r in c.future.result()]
    assert kept == [10, 11, 12, 31, 40, 41, 42, 43, 44, 60]
    stored = list(Record.objects.filter(index__gte=250).order_by("index"))
    assert [r.data["n"] for r in stored] == kept
    assert [r.index for c in batch if not c.future.exception() for r in c.future.result()] == [
        r.index for r in stored
    ]
    assert_as_appended_one_by_one()
    group.commit_batch([appends(100, 1, fail=True)])  # a batch with nothing standing
    assert Checkpoint.objects.order_by("-size").first().size == 260
    group.commit_batch([appends(200, 300), appends(600, 1)])  # two tiles and a level-1 tile
    assert_as_appended_one_by_one()


@pytest.mark.django_db(transaction=True)
def test_a_call_that_catches_an_error_of_its_shared_savepoint_is_rolled_back_not_saved(
    committer,
) -> None:
    """An append directly inside a call shares the call's savepoint; a service that catches
    its error and returns is still refused, its record gone, the others' kept."""

    def catches() -> str:
        try:
            with services.atomic():
                services.record_append(kind="test.sample", data={"n": 99}, actor="clerk")
                raise LookupError("caught")
        except LookupError:
            pass
        return "done"

    batch = [*calls((0, False)), group._Call(catches, None), *calls((1, False))]
    group.commit_batch(batch)
    with pytest.raises(transaction.TransactionManagementError):
        batch[1].future.result()
    assert [batch[0].future.result().index, batch[2].future.result().index] == [0, 1]
    assert [r.data["n"] for r in Record.objects.order_by("index")] == [0, 1]
    assert_as_appended_one_by_one()


@pytest.mark.django_db(transaction=True)
def test_on_sqlite_committers_queue_on_a_file_lock_held_for_exactly_the_batch(committer) -> None:
    """Processes' committers wait for each other on `<database>-writers` (a kernel queue that
    wakes at once), not in SQLite's polling busy handler; the lock is held while the batch runs
    and commits, and let go after, even when the batch fails."""
    import fcntl
    import os

    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's committers queue on the log head's row lock")
    path = str(connection.settings_dict["NAME"]) + "-writers"
    seen: list[bool] = []

    def held() -> bool:
        fd = os.open(path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # closing lets go of a lock this descriptor took
        return False

    def spy(n: int) -> Record:
        seen.append(held())
        return register.__wrapped__(n)

    batch = [group._Call(lambda: spy(0), None), group._Call(lambda: spy(1), None)]
    group.commit_batch(batch)
    assert [c.future.result().index for c in batch] == [0, 1]
    assert seen == [True, True]
    assert not held()
    key = keys.key_path()
    moved = key.with_name("log.key.away")

    def lose_the_key() -> None:  # the batch's checkpoint cannot be signed: the commit fails
        seen.append(held())
        key.rename(moved)
        keys.log_signer.cache_clear()

    failing = [group._Call(lambda: spy(2), None), group._Call(lose_the_key, None)]
    try:
        group.commit_batch(failing)
    finally:
        moved.rename(key)
        keys.log_signer.cache_clear()
    for call in failing:
        with pytest.raises(Exception, match="no signing key"):
            call.future.result()
    assert seen == [True, True, True, True]
    assert not held()


def samples_write(requests: Sequence[tuple[int, str]]) -> list[Record | Exception]:
    """A writer of many requests at once (group.committed): "refuse" is refused (an outcome,
    nothing written), "clash" breaks the write of all (a checkpoint row that exists)."""
    kept = [n for n, what in requests if what != "refuse"]
    appended = iter(
        services.records_append([("test.sample", {"n": n}, f"clerk-{n}") for n in kept])
    )
    if any(what == "clash" for _n, what in requests):
        Checkpoint.objects.create(size=1, root=b"\0" * 32, note="a second checkpoint of size 1")
    return [
        ValidationError(f"record {n} refused") if what == "refuse" else next(appended)
        for n, what in requests
    ]


@pytest.mark.django_db(transaction=True)
def test_a_writers_calls_are_written_together_and_alone_only_when_that_fails(committer) -> None:
    services.record_append(kind="test.sample", data={"n": -1}, actor="clerk")
    batch = [
        group.bulk_call(samples_write, (0, "")),
        *calls((1, False)),  # a call of its own between them
        group.bulk_call(samples_write, (2, "refuse")),
        group.bulk_call(samples_write, (3, "")),
    ]
    with CaptureQueriesContext(connection) as queries:
        group.commit_batch(batch)
    assert [c.future.result().index for c in batch if c is not batch[2]] == [1, 3, 2]
    assert batch[0].future.result().actor == "clerk-0"
    with pytest.raises(ValidationError, match="record 2 refused"):
        batch[2].future.result()
    savepoints = [q for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")]
    assert len(savepoints) == 2  # the writer's three calls in one, the other call in its own
    assert_as_appended_one_by_one()

    alone = [group.bulk_call(samples_write, (n, "refuse" * (n == 5))) for n in (4, 5, 6)]
    with CaptureQueriesContext(connection) as queries:
        group.commit_batch(alone)  # one writer's calls alone: the transaction is theirs
    assert [alone[0].future.result().index, alone[2].future.result().index] == [4, 5]
    with pytest.raises(ValidationError, match="record 5 refused"):
        alone[1].future.result()
    assert not [q for q in queries.captured_queries if "SAVEPOINT" in q["sql"]]
    assert_as_appended_one_by_one()

    clashing = [group.bulk_call(samples_write, (n, "clash" * (n == 11))) for n in (10, 11, 12)]
    with CaptureQueriesContext(connection) as queries:
        group.commit_batch(clashing)  # rolled back, then each alone in its savepoint
    with pytest.raises(IntegrityError):
        clashing[1].future.result()
    assert [clashing[0].future.result().index, clashing[2].future.result().index] == [6, 7]
    savepoints = [q for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")]
    assert len(savepoints) == 3
    assert [r.data["n"] for r in Record.objects.order_by("index")] == [-1, 0, 3, 1, 4, 6, 10, 12]
    assert_as_appended_one_by_one()

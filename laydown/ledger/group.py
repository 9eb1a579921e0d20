"""Group commit: concurrent single writes of one process share one transaction, one fsync and
one signed checkpoint.

A service decorated with `@grouped` called outside any transaction, with
LAYDOWN_GROUP_COMMIT on (`laydown serve` turns it on), is handed to this process's committer
thread. The committer takes every call waiting (at most MAX_BATCH; none is held back for a
timer: a batch is whatever queued while the previous commit ran and while the committer waited
for its turn at the log, behind the other processes' committers), runs each in its own
savepoint of one transaction in which appends sign no checkpoint, signs one checkpoint for
the batch, commits, and only then answers each caller with its own result or its own error.
The log head and its tiles are read once and written once per batch (`checkpoint_deferred`);
the service's and the append's atomic blocks share the call's savepoint (`services.atomic`):

- a caller whose service raises gets that exception; its savepoint is rolled back, so its
  records and projection changes are gone and the others' are kept;
- if the commit itself fails (or the process dies first), every caller of the batch gets the
  error (or nothing): no caller is told "saved" for a record that was not committed.

A service with a writer of its own for many requests at once (`committed(writer, request)`:
the registrations) does its checks in the caller's thread, before queuing, and queues only
the checked request; the committer hands the batch's requests of one writer to it together,
in one savepoint, so that their rows are written with a few statements for all (see
`committed`). If that savepoint fails unexpectedly, each request is written alone in a
savepoint of its own, so that only the guilty caller gets the error. A batch of one writer's
requests alone (registrations under load) needs no savepoint: they are written in the
transaction itself, and if that fails unexpectedly the transaction is rolled back and the
batch written again as above.

Across processes (several web workers) nothing changes: each committer's transaction takes
the log head lock, which stays the single source of order.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
import os
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import translation

from laydown.ledger import services

P = ParamSpec("P")
R = TypeVar("R")
Q = TypeVar("Q")

MAX_BATCH = 200
logger = logging.getLogger(__name__)

# Writes many requests at once: one outcome per request, in order, a value or the exception
# refusing it (a refused request wrote nothing). See `committed`.
Writer = Callable[[Sequence[Q]], list[Any]]


class _Call:
    def __init__(
        self,
        run: Callable[[], Any],
        language: str | None,
        writer: Writer[Any] | None = None,
        request: object = None,
    ) -> None:
        self.run = run  # the call alone, in its own savepoint
        self.language = language
        self.writer = writer  # with `request`: written together with the batch's others
        self.request = request
        self.future: Future[Any] = Future()
        self.outcome: tuple[bool, Any] = (False, None)  # (ok, value or exception), pre-commit


_queue: queue.SimpleQueue[_Call] = queue.SimpleQueue()
_started = threading.Lock()
_thread: threading.Thread | None = None


def grouped(service: Callable[P, R]) -> Callable[P, R]:
    """Run `service` through the committer when group commit is on and the caller is not
    already inside a transaction (then it joins that transaction as before)."""

    @functools.wraps(service)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if not settings.LAYDOWN_GROUP_COMMIT or connection.in_atomic_block:
            return service(*args, **kwargs)
        call = _Call(functools.partial(service, *args, **kwargs), translation.get_language())
        _ensure_committer()
        _queue.put(call)
        result: R = call.future.result()
        return result

    return wrapper


def committed(writer: Writer[Q], request: Q) -> Any:
    """`writer`'s outcome for `request` (a value; an exception is raised), written by the
    committer together with the batch's other requests of `writer` when group commit is on and
    the caller is not inside a transaction, else here, in the caller's transaction. The caller
    checks everything that needs no lock before: `request` is what is left for the writer.

    `writer(requests)` runs inside a transaction and `services.checkpoint_deferred`, and
    returns one outcome per request: its value, or the exception refusing it, having written
    nothing for a refused request. An exception it raises fails all its requests at once: the
    committer then writes each alone (`writer([request])`) to find whose it was.
    """
    if not settings.LAYDOWN_GROUP_COMMIT or connection.in_atomic_block:
        return _alone(writer, request)
    call = bulk_call(writer, request, translation.get_language())
    _ensure_committer()
    _queue.put(call)
    return call.future.result()


def bulk_call(writer: Writer[Q], request: Q, language: str | None = None) -> _Call:
    """The committer's call of `request` for `writer` (`committed` queues it)."""
    return _Call(functools.partial(_alone, writer, request), language, writer, request)


def _alone(writer: Writer[Q], request: Q) -> Any:
    with services.atomic(), services.checkpoint_deferred():
        (outcome,) = writer([request])
        if isinstance(outcome, Exception):
            raise outcome
    return outcome


def _ensure_committer() -> None:
    global _thread
    with _started:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(
                target=_commit_loop, name="laydown-group-commit", daemon=True
            )
            _thread.start()


_STOP = _Call(lambda: None, None)


def shutdown() -> None:
    """Stop the committer after the calls queued before, closing its connection."""
    global _thread
    with _started:
        thread, _thread = _thread, None
    if thread is not None and thread.is_alive():
        _queue.put(_STOP)
        thread.join()


def _commit_loop() -> None:
    stop = False

    def gather(batch: list[_Call]) -> None:
        nonlocal stop
        stop = _take_waiting(batch)

    try:
        while not stop:
            first = _queue.get()
            if first is _STOP:
                return
            commit_batch([first], gather)
    finally:
        connection.close()


def _take_waiting(batch: list[_Call]) -> bool:
    """Add the calls waiting in the queue to `batch` (up to MAX_BATCH); True if `_STOP` was
    among them (the calls queued after it are left for the next committer)."""
    while len(batch) < MAX_BATCH:
        try:
            call = _queue.get_nowait()
        except queue.Empty:
            return False
        if call is _STOP:
            return True
        batch.append(call)
    return False


def commit_batch(batch: list[_Call], gather: Callable[[list[_Call]], None] | None = None) -> None:
    """Run the calls in one transaction, each in its own savepoint; answer after the commit.

    `gather`, if given, adds to `batch` the calls queued meanwhile, once this process's turn
    at the log has come (the writers' queue passed, the transaction begun, the log head lock
    taken): the calls that came while another process's committer held the log join this
    batch instead of waiting behind it for the next one (taken before that wait, a batch was
    only what queued during this committer's own last commit).

    A batch of one writer's requests alone (registrations) is written in the transaction
    itself, without a savepoint; if that fails unexpectedly the transaction is rolled back
    and the batch written again, each call in its own savepoint (`_WriteAgain`)."""
    close_old_connections()
    try:
        try:
            _commit(batch, gather)
        except _WriteAgain:
            _commit(batch, None, each_alone=True)
    except BaseException as exc:  # the commit (or the batch's checkpoint) failed: nothing saved
        connection.close()
        for call in batch:
            call.future.set_exception(exc)
        return
    for call in batch:
        ok, value = call.outcome
        if ok:
            call.future.set_result(value)
        else:
            call.future.set_exception(value)


class _WriteAgain(Exception):
    """A batch written in its transaction without a savepoint failed: roll it back, write it
    again, each call alone in its own savepoint."""


def _commit(
    batch: list[_Call],
    gather: Callable[[list[_Call]], None] | None,
    *,
    each_alone: bool = False,
) -> None:
    with _writers_queue(), transaction.atomic(), services.checkpoint_deferred():
        if gather is not None:
            services.log_lock()
            gather(batch)
        runs = [[call] for call in batch] if each_alone else _runs(batch)
        if len(runs) == 1 and runs[0][0].writer is not None and not each_alone:
            _run_together(runs[0], savepoint=False)
            return
        for calls in runs:
            if len(calls) > 1:
                _run_together(calls)
            else:
                calls[0].outcome = _run_one(calls[0])


def _runs(batch: list[_Call]) -> list[list[_Call]]:
    """The batch's calls of one writer together (where the first of them stands), each other
    call alone, in the batch's order."""
    runs: list[list[_Call]] = []
    by_writer: dict[Any, list[_Call]] = {}
    for call in batch:
        if call.writer is None:
            runs.append([call])
        elif (run := by_writer.get(call.writer)) is not None:
            run.append(call)
        else:
            runs.append(by_writer.setdefault(call.writer, [call]))
    return runs


def _run_together(calls: list[_Call], *, savepoint: bool = True) -> None:
    """The requests of one writer written together in one savepoint (or, `savepoint=False`,
    as the whole transaction); if it fails, each alone."""
    writer = calls[0].writer
    if writer is None:
        raise TypeError("calls run together need their writer")
    try:
        with services.call_savepoint(savepoint=savepoint):
            outcomes = writer([call.request for call in calls])
    except Exception as exc:  # unexpected (each refusal is an outcome): find the guilty call
        logger.warning("%d writes together failed; writing each alone.", len(calls), exc_info=True)
        if not savepoint:  # the transaction is spoilt: all again, from a new one
            raise _WriteAgain from exc
        for call in calls:
            call.outcome = _run_one(call)
        return
    for call, outcome in zip(calls, outcomes, strict=True):
        call.outcome = (False, outcome) if isinstance(outcome, Exception) else (True, outcome)


def _in_memory(name: str) -> bool:
    return name == ":memory:" or "mode=memory" in name


_queue_file: tuple[int, str, int] | None = None  # (process id, path, descriptor)


@contextlib.contextmanager
def _writers_queue() -> Iterator[None]:
    """On SQLite, wait for the other processes' committers on a file lock before taking the
    database's write lock.

    SQLite's own wait for its write lock is a poll: a writer refused at BEGIN IMMEDIATE sleeps
    1, 2, 5, 10 ... up to 100 ms between tries, whether or not the lock was freed meanwhile, so
    with several web workers the committers idled while the lock was free and a registration
    waited up to 100 ms more than the batches before it took (issue 20: the long p95 tail).
    A blocking `flock` on `<database>-writers` is a queue the kernel wakes at once. It only
    orders the waiting: SQLite's lock stays what keeps writers apart (a writer outside group
    commit, such as an import or another program, takes it as before). The file is opened
    once per process, after the fork (a descriptor shared across a fork would share the lock).
    """
    global _queue_file
    name = str(connection.settings_dict["NAME"])
    if connection.vendor != "sqlite" or not name or _in_memory(name):
        yield
        return
    path = name + "-writers"
    if _queue_file is None or _queue_file[:2] != (os.getpid(), path):
        if _queue_file is not None and _queue_file[0] == os.getpid():
            os.close(_queue_file[2])
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        _queue_file = (os.getpid(), path, fd)
    fd = _queue_file[2]
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _run_one(call: _Call) -> tuple[bool, Any]:
    try:
        with translation.override(call.language), services.call_savepoint():
            return True, call.run()
    except Exception as exc:  # this caller's own error: its savepoint is rolled back
        return False, exc

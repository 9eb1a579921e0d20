"""A short-lived cache of verified API tokens, so that an API request does not query the token,
its user and the user's role grants each time (two queries and the ORM around them were a third
of the server's CPU for a registration or a list through the API).

Only tokens that authenticated are kept (an unknown secret is always looked up), each with the
`Principal` it gave, for at most LAYDOWN_TOKEN_CACHE_SECONDS (default 5; 0 turns the cache
off) and never past the token's own expiry. A change of who may do what drops every entry:

- in this process at once, when the change is applied, and again when it commits;
- in the other processes of the machine (the workers of `laydown serve`) at their next request: the
  change replaces the stamp file `access.stamp` in the data directory, whose identity each
  look-up compares (one `stat`);
- on other machines (several app servers on one PostgreSQL) within LAYDOWN_TOKEN_CACHE_SECONDS.

"A change" is any applied record that revokes a token, deactivates or reactivates a user, or
grants or revokes a role (laydown.accounts.records), and a replay's reset.

The programme's profile, which every request reads (its time zone and languages), is kept the
same way (`programme_kept`): setting it, or creating an organisation, counts as a change. So are
other reads every request of a kind makes (`kept`): the site of each registration (arms.selectors
.site_kept), for which any applied site record counts as a change.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from laydown.access.permissions import Principal

__all__ = [
    "access_changed",
    "get",
    "kept",
    "looked_up_once",
    "programme_kept",
    "put",
    "stamp_read",
]

T = TypeVar("T")

MAX_ENTRIES = 10_000  # past this many live tokens the cache starts again from empty

_lock = threading.Lock()
_entries: dict[str, tuple[float, dt.datetime, Principal]] = {}  # digest -> (kept at, expiry, who)
_stamp: tuple[int, int] | None = None  # the stamp file's identity when the entries were kept
_kept: dict[Hashable, tuple[float, Any]] = {}  # key -> (kept at, what its load gave)
_looking: dict[str, tuple[threading.Lock, list[int]]] = {}  # digest -> (its lock, [waiters])


def _stamp_path() -> Path:
    return Path(_stamp_name(settings.DATA_DIR))


@functools.lru_cache(maxsize=8)
def _stamp_name(data_dir: str | os.PathLike[str]) -> str:
    """The stamp file's name in this data directory, made once (every request stats it)."""
    return os.path.join(data_dir, "access.stamp")


def _stamp_now() -> tuple[int, int]:
    try:
        found = os.stat(_stamp_name(settings.DATA_DIR))
    except FileNotFoundError:
        return (0, 0)
    return (found.st_ino, found.st_mtime_ns)


def get(digest: str) -> Principal | None:
    """The principal a token with this digest gave less than the cache's time ago, if it still
    holds (no change of access since, not expired); None otherwise."""
    global _stamp
    seconds = settings.LAYDOWN_TOKEN_CACHE_SECONDS
    if not seconds:
        return None
    stamp = _stamp_now()
    with _lock:
        if stamp != _stamp:
            _entries.clear()
            _kept.clear()
            _stamp = stamp
            return None
        entry = _entries.get(digest)
        if entry is None:
            return None
        kept_at, expires_at, principal = entry
        if time.monotonic() - kept_at >= seconds or expires_at <= timezone.now():
            del _entries[digest]
            return None
        return principal


def put(digest: str, expires_at: dt.datetime, principal: Principal, stamp: tuple[int, int]) -> None:
    """Keep what a token gave, looked up after the stamp file read `stamp` (`stamp_read()`):
    if access changed meanwhile, the look-up may be stale and is not kept."""
    if not settings.LAYDOWN_TOKEN_CACHE_SECONDS:
        return
    with _lock:
        if stamp != _stamp:
            return
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[digest] = (time.monotonic(), expires_at, principal)


@contextlib.contextmanager
def looked_up_once(digest: str) -> Iterator[None]:
    """Around a look-up of the token with this digest: the process's other threads asking for
    the same token meanwhile wait for it, then `get` what it kept, instead of each querying the
    same rows. When a kept token ran out under load, every thread serving it missed at once
    (bench/load.py, one token, 2 x 25 threads: up to 25 look-ups where one does)."""
    if not settings.LAYDOWN_TOKEN_CACHE_SECONDS:
        yield  # nothing is kept: each caller looks it up
        return
    with _lock:
        lock, waiters = _looking.setdefault(digest, (threading.Lock(), [0]))
        waiters[0] += 1
    try:
        with lock:
            yield
    finally:
        with _lock:
            waiters[0] -= 1
            if not waiters[0]:
                del _looking[digest]


def stamp_read() -> tuple[int, int]:
    """The stamp file's identity now, to hand to `put` after looking a token up."""
    global _stamp
    stamp = _stamp_now()
    with _lock:
        if stamp != _stamp:
            _entries.clear()
            _kept.clear()
            _stamp = stamp
    return stamp


def programme_kept(load: Callable[[], T]) -> T:
    """What `load()` (the programme's profile) gave less than the cache's time ago with no change
    since (`kept`)."""
    return kept("programme", load)


def kept(key: Hashable, load: Callable[[], T]) -> T:
    """What `load()` gave for `key` less than the cache's time ago with no change of access
    since, in this process or (the stamp) another of the machine; never kept inside a
    transaction (it may read what is not committed). What is kept is shared by the process's
    threads: they must not change it."""
    global _stamp
    seconds = settings.LAYDOWN_TOKEN_CACHE_SECONDS
    if not seconds or connection.in_atomic_block:
        return load()
    stamp = _stamp_now()
    with _lock:
        if stamp != _stamp:
            _entries.clear()
            _kept.clear()
            _stamp = stamp
        found = _kept.get(key)
    if found is not None and time.monotonic() - found[0] < seconds:
        value: T = found[1]
        return value
    value = load()
    with _lock:
        if stamp == _stamp:
            if len(_kept) >= MAX_ENTRIES:
                _kept.clear()
            _kept[key] = (time.monotonic(), value)
    return value


def access_changed() -> None:
    """Drop every kept token here now, and in every process of the machine once the change
    commits (called by the applies that change who may do what)."""
    _forget()
    transaction.on_commit(_forget_everywhere)


def _forget() -> None:
    global _stamp
    with _lock:
        _entries.clear()
        _kept.clear()
        _stamp = None  # nothing is kept until the stamp is read again


def _forget_everywhere() -> None:
    path = _stamp_path()
    fresh = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}")
    descriptor = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(descriptor, os.urandom(8))
    finally:
        os.close(descriptor)
    os.replace(fresh, path)  # a new file: its inode differs from the one any process saw
    _forget()

"""Files and directories only their owner may read: the data directory, the database, the keys.

No Django here: the witness and observer commands use it too. A key file that others can read
stops the program with one message naming the file and the `chmod` to run (it may have been
copied already, so we do not fix it silently); the data directory and the SQLite files are
Laydown's own and are made private as they are created (and tightened if found open).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

__all__ = [
    "SQLITE_SUFFIXES",
    "PrivateFileError",
    "exposed_key_problem",
    "private_dir",
    "private_key_check",
    "sqlite_files_private",
]

SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


class PrivateFileError(Exception):
    """A secret file or the data directory can be read by other users (the message says why)."""


def _open_to_others(mode: int) -> bool:
    return bool(mode & (stat.S_IRWXG | stat.S_IRWXO))


def exposed_key_problem(path: Path) -> str | None:
    """The message for a key file that others may read, or None if it is private (or absent)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    if not _open_to_others(mode):
        return None
    return (
        f"{path} can be read by other users of this machine (mode {stat.S_IMODE(mode):04o}): "
        f"run `chmod 600 {path}`, and replace the key if someone may have copied it."
    )


def private_key_check(*paths: Path) -> None:
    """Raise PrivateFileError for the first of `paths` that others may read."""
    for path in paths:
        problem = exposed_key_problem(path)
        if problem:
            raise PrivateFileError(problem)


def private_dir(path: Path) -> None:
    """Create `path` (mode 0700) or make it 0700; refuse a directory of someone else's."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.stat()
    if not _open_to_others(info.st_mode):
        return
    if info.st_uid != os.geteuid():
        raise PrivateFileError(
            f"{path} can be read by other users and belongs to another user: give Laydown a "
            "directory of its own (mode 0700)."
        )
    os.chmod(path, 0o700)


def sqlite_files_private(database: Path) -> None:
    """Create the SQLite database file 0600 if absent (SQLite gives its WAL and shared-memory
    files the mode of the database), and make existing database files 0600."""
    database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    for suffix in SQLITE_SUFFIXES:
        path = Path(f"{database}{suffix}")
        try:
            if _open_to_others(path.stat().st_mode):
                os.chmod(path, 0o600)
        except FileNotFoundError:
            continue

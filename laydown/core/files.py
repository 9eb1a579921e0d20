"""Files kept beside the database (photos, documents, a logo): written whole or not at all, and
named by the SHA-256 of their content where the same content is kept once."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

__all__ = ["keep_by_hash", "write_whole"]


def write_whole(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a partial file beside it, then renamed over it: a reader
    finds the whole file or none (not half of one after a crash)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(path)


def keep_by_hash(data: bytes, path_of: Callable[[str], Path]) -> str:
    """Keep `data` at `path_of(its SHA-256)`, unless a file is there already (the same
    content); return the hash."""
    sha = hashlib.sha256(data).hexdigest()
    path = path_of(sha)
    if not path.exists():
        write_whole(path, data)
    return sha

"""Files beside the database: written whole through a partial file, kept once by their hash."""

from __future__ import annotations

import hashlib
from pathlib import Path

from laydown.core.files import keep_by_hash, write_whole


def test_a_file_is_written_whole_and_no_partial_file_stays(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "receipt.bin"
    write_whole(path, b"first")
    write_whole(path, b"second")
    assert path.read_bytes() == b"second"
    assert [p.name for p in path.parent.iterdir()] == ["receipt.bin"]


def test_content_is_kept_once_by_its_hash(tmp_path: Path) -> None:
    def path_of(sha: str) -> Path:
        return tmp_path / sha[:2] / sha

    sha = keep_by_hash(b"a photo", path_of)
    assert sha == hashlib.sha256(b"a photo").hexdigest()
    assert path_of(sha).read_bytes() == b"a photo"
    path_of(sha).write_bytes(b"left as it is")  # a file there is not written again
    assert keep_by_hash(b"a photo", path_of) == sha
    assert path_of(sha).read_bytes() == b"left as it is"
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [sha]

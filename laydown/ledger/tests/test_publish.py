"""`laydown log publish DIR`: a static copy of the public log that `laydown verify` verifies;
full tiles are written once and never again, the right edge's partial tiles follow the log
and go once their full tile is there; the policy names the published URL."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings

from laydown import tlog
from laydown.ledger import keys, publish, services
from laydown.verify import main as verify_main

pytestmark = pytest.mark.django_db


def append(count: int) -> None:
    services.record_append_batch(
        entries=[("test.sample", {"n": i}) for i in range(count)], actor="system"
    )


def verified(directory: Path) -> bool:
    return verify_main([str(directory), "--key", keys.log_verifier_key(), "--quiet"]) == 0


@override_settings(LAYDOWN_LOG_PUBLISH_URL="https://log.example.org/log")
def test_a_published_copy_grows_with_the_log_and_verifies(tmp_path: Path) -> None:
    copy = tmp_path / "public"
    append(300)
    out = io.StringIO()
    call_command("log", "publish", str(copy), stdout=out)
    assert "size 300" in out.getvalue()
    assert verified(copy)
    assert publish.published_size(copy) == 300
    full = copy / "tile/0/000"
    first = full.stat()
    assert (copy / "tile/0/001.p/44").exists()
    policy = tlog.parse_policy((copy / "policy").read_text())
    assert "https://log.example.org/log" in (copy / "policy").read_text()
    assert policy is not None

    append(300)
    result = publish.log_publish(directory=copy)
    assert (result.size, result.kept) == (600, 1)  # tile/0/000 kept; tile/0/001 new
    assert full.stat().st_mtime_ns == first.st_mtime_ns and full.stat().st_ino == first.st_ino
    assert (copy / "tile/0/001").exists() and not (copy / "tile/0/001.p").exists()
    assert (copy / "tile/0/002.p/88").exists()
    assert verified(copy)

    again = publish.log_publish(directory=copy)  # nothing new: only the edge rewritten
    assert again.size == 600 and again.written == len(
        [t for t in tlog.tiles_for_size(600) if t.width < tlog.TILE_WIDTH]
    )


def test_a_reader_of_the_copy_never_sees_a_checkpoint_ahead_of_its_tiles(tmp_path: Path) -> None:
    copy = tmp_path / "public"
    append(5)
    publish.log_publish(directory=copy)
    append(300)
    (copy / "tile/1").write_bytes(b"")  # level 1's tiles cannot be written: a file is there
    with pytest.raises(OSError):
        publish.log_publish(directory=copy)
    (copy / "tile/1").unlink()
    assert publish.published_size(copy) == 5
    assert verified(copy)

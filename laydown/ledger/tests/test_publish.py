"""`laydown log publish DEST`: a static copy of the public log, in a directory or an
S3-compatible bucket, that `laydown verify` verifies; full tiles are written once and never
again, the right edge's partial tiles follow the log and go once their full tile is there; the
policy names the published URL."""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from laydown import tlog
from laydown.ledger import keys, publish, services
from laydown.testing.s3 import s3_server
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
    result = publish.log_publish(copy)
    assert (result.size, result.kept) == (600, 1)  # tile/0/000 kept; tile/0/001 new
    assert full.stat().st_mtime_ns == first.st_mtime_ns and full.stat().st_ino == first.st_ino
    assert (copy / "tile/0/001").exists() and not (copy / "tile/0/001.p").exists()
    assert (copy / "tile/0/002.p/88").exists()
    assert verified(copy)

    again = publish.log_publish(copy)  # nothing new: only the edge rewritten
    assert again.size == 600 and again.written == len(
        [t for t in tlog.tiles_for_size(600) if t.width < tlog.TILE_WIDTH]
    )


def test_a_reader_of_the_copy_never_sees_a_checkpoint_ahead_of_its_tiles(tmp_path: Path) -> None:
    copy = tmp_path / "public"
    append(5)
    publish.log_publish(copy)
    append(300)
    (copy / "tile/1").write_bytes(b"")  # level 1's tiles cannot be written: a file is there
    with pytest.raises(OSError):
        publish.log_publish(copy)
    (copy / "tile/1").unlink()
    assert publish.published_size(copy) == 5
    assert verified(copy)


@override_settings(LAYDOWN_LOG_PUBLISH_URL="https://log.example.org/log")
def test_a_bucket_copy_grows_with_the_log_and_verifies_over_http() -> None:
    with s3_server() as s3:
        url = f"s3://{s3.bucket}/public/log"
        append(300)
        out = io.StringIO()
        call_command("log", "publish", url, stdout=out)
        assert f"size 300 to {url}" in out.getvalue()
        public = s3.public_url("public/log")
        assert verify_main([public, "--key", keys.log_verifier_key(), "--quiet"]) == 0
        assert publish.published_size(url) == 300

        full = httpx.get(f"{public}/tile/0/000")
        assert full.status_code == 200 and len(full.content) == 256 * 32
        assert full.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert full.headers["content-type"] == "application/octet-stream"
        partial = httpx.get(f"{public}/tile/0/001.p/44")
        assert (
            partial.status_code == 200 and partial.headers["cache-control"] == "public, max-age=60"
        )
        checkpoint = httpx.get(f"{public}/checkpoint")
        assert checkpoint.headers["cache-control"] == "no-cache"
        assert checkpoint.text.split("\n")[1] == "300"
        assert "https://log.example.org/log" in httpx.get(f"{public}/policy").text

        append(300)
        result = publish.log_publish(url)
        assert (result.size, result.kept) == (600, 1)  # tile/0/000 not sent again
        assert httpx.get(f"{public}/tile/0/001.p/44").status_code == 404  # now full: gone
        assert httpx.get(f"{public}/tile/0/001").status_code == 200
        assert verify_main([public, "--key", keys.log_verifier_key(), "--quiet"]) == 0


def test_a_bucket_url_that_is_not_one_is_refused_by_name() -> None:
    with pytest.raises(CommandError, match="s3://bucket/prefix"):
        call_command("log", "publish", "s3://")

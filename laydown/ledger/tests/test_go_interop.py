"""Interop: Go's tlog-tiles client (golang.org/x/mod/sumdb/{note,tlog}) verifies an export.

The Go program in interop/go-tlog-verify opens the checkpoint as a signed note with the log's
verifier key, recomputes the root from the C2SP hash tiles (Go's TileHashReader authenticates
every tile it loads against the checkpoint) and checks inclusion proofs for given leaves.
Go and golang.org/x/mod come from Debian: run `.ci/install-go-interop` if they are missing.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import pytest
from django.core.management import call_command

from laydown import tlog
from laydown.ledger import keys, services
from laydown.ledger.models import Record

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[3]
GO_SOURCE = REPO / "interop" / "go-tlog-verify"
GOCODE = Path("/usr/share/gocode")
INSTALL_HINT = "run `.ci/install-go-interop` (installs golang-go and golang-golang-x-mod-dev)"


@pytest.fixture(scope="session")
def go_verify(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Go verifier, built once per session in GOPATH mode (no module download)."""
    go = shutil.which("go")
    if go is None:
        pytest.fail(f"Go is not installed: {INSTALL_HINT}", pytrace=False)
    if not (GOCODE / "src/golang.org/x/mod/sumdb/tlog").is_dir():
        pytest.fail(f"golang.org/x/mod is not in {GOCODE}: {INSTALL_HINT}", pytrace=False)
    tmp = tmp_path_factory.mktemp("go")
    binary = tmp / "go-tlog-verify"
    env = dict(
        os.environ,
        GO111MODULE="off",
        GOPATH=f"{tmp}{os.pathsep}{GOCODE}",
        GOCACHE=str(tmp / "cache"),
        GOFLAGS="",
    )
    built = subprocess.run(
        [go, "build", "-o", str(binary), "."],
        cwd=GO_SOURCE,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, f"go build failed:\n{built.stdout}{built.stderr}"
    return binary


def _append(count: int, start: int = 0, batch: int = 5000) -> None:
    for lo in range(start, start + count, batch):
        hi = min(lo + batch, start + count)
        services.record_append_batch(
            entries=[("test.sample", {"n": i}) for i in range(lo, hi)], actor="clerk:1"
        )


def _export(directory: Path) -> Path:
    call_command("log", "export", str(directory), "--no-bundle", stdout=io.StringIO())
    return directory


def _leaves(indices: Iterable[int]) -> list[str]:
    records = Record.objects.filter(index__in=set(indices)).order_by("index")
    return [f"{r.index}:{bytes(r.leaf_hash).hex()}" for r in records]


def _run(
    binary: Path, directory: Path, leaves: list[str], key: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(binary), str(directory), key or keys.log_verifier_key(), *leaves],
        capture_output=True,
        text=True,
        timeout=60,
    )


def _ok(binary: Path, directory: Path, leaves: list[str], size: int) -> None:
    result = _run(binary, directory, leaves)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == f"OK size {size}"


def _fails(binary: Path, directory: Path, leaves: list[str], key: str | None = None) -> str:
    result = _run(binary, directory, leaves, key)
    assert result.returncode != 0, f"Go client accepted a bad log: {result.stdout}"
    return f"{result.stdout}{result.stderr}"


def _flip(path: Path, offset: int = 0) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("size", [1, 255, 256, 257, 300])
def test_go_client_verifies_small_logs(go_verify: Path, tmp_path: Path, size: int) -> None:
    _append(size)
    directory = _export(tmp_path / "log")
    wanted = {0, 1, size // 2, 254, 255, 256, size - 1}
    _ok(go_verify, directory, _leaves(i for i in wanted if i < size), size)


def test_go_client_follows_growing_log(go_verify: Path, tmp_path: Path) -> None:
    total = 0
    for step, count in enumerate([3, 250, 20, 300, 1]):
        _append(count, start=total, batch=97)
        total += count
        directory = _export(tmp_path / f"log{step}")
        _ok(go_verify, directory, _leaves([0, total // 3, total - 1]), total)


def test_go_client_rejects_tampering(go_verify: Path, tmp_path: Path) -> None:
    size = 300  # tiles: tile/0/000 (full), tile/0/001.p/44, tile/1/000.p/1
    _append(size)
    good = _export(tmp_path / "good")
    leaves = _leaves([0, 100, 299])
    _ok(go_verify, good, leaves, size)

    # (tile, hash within it, leaves to prove). The last case flips leaf 100's own hash and
    # proves only leaf 100: no proof uses that hash, and Go's TileHashReader skips the parent
    # check of tile/0/000 here (its authentication loop starts at len(stx) = 4 subtree roots,
    # not at the 2 distinct tiles holding them), so only the program's tile audit catches it.
    cases = [
        ("tile/0/000", 1, leaves, "tile/0/000 does not match its parent tile"),
        ("tile/0/001.p/44", 43, leaves, "downloaded inconsistent tile"),
        ("tile/1/000.p/1", 0, [], "downloaded inconsistent tile"),
        ("tile/0/000", 100, _leaves([100]), "tile/0/000 does not match its parent tile"),
    ]
    for n, (tile, position, proved, error) in enumerate(cases):
        bad = tmp_path / f"bad{n}"
        shutil.copytree(good, bad)
        _flip(bad / tile, offset=32 * position + 7)
        assert error in _fails(go_verify, bad, proved), (tile, position)

    missing = tmp_path / "missing"
    shutil.copytree(good, missing)
    (missing / "tile/0/001.p/44").unlink()
    _fails(go_verify, missing, leaves)

    # A wrong leaf hash is not included.
    record = Record.objects.get(index=100)
    wrong = f"100:{bytes(record.leaf_hash)[::-1].hex()}"
    assert "inclusion" in _fails(go_verify, good, [wrong])

    # A checkpoint whose body was changed no longer carries a valid signature.
    forged = tmp_path / "forged"
    shutil.copytree(good, forged)
    cp = forged / "checkpoint"
    cp.write_bytes(cp.read_bytes().replace(b"\n300\n", b"\n299\n", 1))
    assert "signature" in _fails(go_verify, forged, [])

    # Another key for the same origin does not verify the checkpoint.
    _, other = tlog.generate_key(keys.log_signer().name)
    assert "signature" in _fails(go_verify, good, [], key=other)


@pytest.mark.slow
def test_go_client_verifies_partial_tiles_at_three_levels(go_verify: Path, tmp_path: Path) -> None:
    # 70000 = 273 * 256 + 112 = 256 * 256 + 3464: level-0 tile 273 is partial (112),
    # level-1 tile 1 is partial (17), level-2 tile 0 is partial (1).
    size = 70000
    _append(size)
    directory = _export(tmp_path / "log")
    for tile in ["tile/0/272", "tile/0/273.p/112", "tile/1/001.p/17", "tile/2/000.p/1"]:
        assert (directory / tile).is_file(), tile
    wanted = [0, 255, 256, 65535, 65536, 69887, 69888, size - 1]
    _ok(go_verify, directory, _leaves(wanted), size)


def test_go_client_verifies_the_published_copy_as_it_grows(go_verify: Path, tmp_path: Path) -> None:
    copy = tmp_path / "public"
    total = 0
    for count in (300, 500, 1):
        _append(count, start=total)
        total += count
        call_command("log", "publish", str(copy), stdout=io.StringIO())
        _ok(go_verify, copy, _leaves([0, 255, total // 2, total - 1]), total)

"""A signed, cosigned tiled log written as static files (the layout `laydown log export` writes
and `/log/` serves), and a fresh virtual environment with the standalone verifier: for the
verifier's tests, the browser tests of the receipt page and the benchmarks."""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

from laydown import tlog

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class StaticLog:
    """A log in a directory: its tree, keys, and the signed checkpoint written last."""

    out: Path
    origin: str = "verify.example/log"
    tree: tlog.MemoryTree = field(default_factory=tlog.MemoryTree)
    witness_names: tuple[str, ...] = ("witness.one.example", "witness.two.example")

    def __post_init__(self) -> None:
        skey, self.vkey = tlog.generate_key(self.origin)
        self.signer = tlog.new_signer(skey)
        self.witness_signers: list[tlog.Signer] = []
        self.witness_vkeys: list[str] = []
        for name in self.witness_names:
            wskey, wvkey = tlog.generate_cosignature_key(name)
            self.witness_signers.append(tlog.new_cosignature_signer(wskey))
            self.witness_vkeys.append(wvkey)
        self.note = self.publish()

    def grow(self, records: list[bytes] | int) -> str:
        """Append records (or n made-up ones), write the tiles and a cosigned checkpoint."""
        if isinstance(records, int):
            start = self.tree.size
            records = [b"record %d" % i for i in range(start, start + records)]
        self.tree.append(records)
        self.note = self.publish()
        return self.note

    def signed(self, size: int | None = None, cosigners: int | None = None) -> str:
        """The checkpoint note of the tree at `size`, signed by the log and `cosigners` of the
        witnesses (all by default)."""
        size = self.tree.size if size is None else size
        checkpoint = tlog.Checkpoint(self.origin, size, self.tree.root(size))
        note = tlog.sign_note(checkpoint.to_text(), [self.signer])
        witnesses = self.witness_signers[
            : len(self.witness_signers) if cosigners is None else cosigners
        ]
        return tlog.add_signatures(note, witnesses) if witnesses else note

    def publish_with(self, *, cosigners: int) -> None:
        """Serve the current checkpoint cosigned by only the first `cosigners` witnesses."""
        (self.out / "checkpoint").write_text(self.signed(cosigners=cosigners), encoding="utf-8")

    def rollback(self, size: int) -> None:
        """Serve the checkpoint (and tiles) of an older tree, as a log rolled back would."""
        self.publish(size)

    def publish(self, size: int | None = None) -> str:
        size = self.tree.size if size is None else size
        self.out.mkdir(parents=True, exist_ok=True)
        for tile in tlog.tiles_for_size(size):
            path = self.out / tlog.tile_path(tile)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(self.tree.read_tile(tile.level, tile.index)[: tile.width * 32])
        note = self.signed(size)
        (self.out / "checkpoint").write_text(note, encoding="utf-8")
        return note

    def proof(self, index: int) -> str:
        """The C2SP tlog-proof of record `index` against the current checkpoint."""
        return tlog.format_tlog_proof(index, self.tree.inclusion_proof(index), self.note)

    def receipt(self, index: int, *, printed_at: int | None = None, url: str = "") -> str:
        """The QR text of a receipt for record `index`, printed when the log had
        `printed_at` records (default: now)."""
        size = self.tree.size if printed_at is None else printed_at
        return tlog.audit.format_receipt(
            tlog.audit.Receipt(
                log_url=url or str(self.out),
                origin=self.origin,
                index=index,
                leaf=self.tree.leaf_hash(index),
                size=size,
                root=self.tree.root(size),
            )
        )


def _closure(name: str, seen: set[str]) -> None:
    """The installed distributions `name` needs (its requirements without extras or markers
    that do not apply), recursively."""
    import re

    from packaging.requirements import Requirement

    key = re.sub(r"[-_.]+", "-", name).lower()
    if key in seen:
        return
    seen.add(key)
    for line in importlib.metadata.requires(name) or []:
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
            _closure(requirement.name, seen)


def fresh_venv(where: Path) -> Path:
    """A new virtual environment (no system site-packages) holding `laydown-verify`, built
    from verifier/ with this interpreter's setuptools, and `cryptography` with what it needs,
    copied file by file from this environment: no network, and no Django. Returns its
    python."""
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True, timeout=300)
    python = where / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    needed: set[str] = set()
    _closure("cryptography", needed)
    here = Path(sysconfig.get_paths()["purelib"])
    for name in needed:
        dist = importlib.metadata.distribution(name)
        for file in dist.files or []:
            source = Path(str(dist.locate_file(file)))
            if source.is_file() and here in source.parents:
                target = site / source.relative_to(here)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
    wheels, tree = where / "wheels", where / "source"
    skip = shutil.ignore_patterns("build", "*.egg-info", "__pycache__", "tests")
    shutil.copytree(ROOT / "verifier", tree / "verifier", ignore=skip)  # builds leave no trace
    shutil.copytree(ROOT / "laydown" / "tlog", tree / "laydown" / "tlog", ignore=skip)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--wheel-dir", str(wheels), str(tree / "verifier")],
        check=True,
        timeout=300,
    )
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--disable-pip-version-check",
        ]
        + [str(next(wheels.glob("laydown_verify-*.whl")))],
        check=True,
        timeout=300,
    )
    return python

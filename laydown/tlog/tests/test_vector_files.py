"""The reference vectors are in the repository, and every one of them is read by a test."""

from __future__ import annotations

import re
from pathlib import Path

from .conftest import load_json, vectors_dir

# What the vector tests read: these files by name (load_json), and every probe file of
# transparency-dev/merkle's testdata (test_proof_vectors.py globs them all).
READ_BY_NAME = {
    "merkle_roots.json",
    "signed_notes.json",
    "tile_paths.json",
    "inclusion_proofs.json",
    "consistency_proofs.json",
}
PROBES = Path("transparency-dev-merkle") / "testdata"
DOCUMENTATION = {"PROVENANCE.md"}


def test_the_vectors_live_inside_the_repository() -> None:
    repository = Path(__file__).resolve().parents[3]
    assert vectors_dir().resolve().is_relative_to(repository)


def test_every_vector_file_is_read_by_a_test_or_documents_the_others() -> None:
    base = vectors_dir()
    unread = []
    for path in sorted(p for p in base.rglob("*") if p.is_file()):
        relative = path.relative_to(base)
        if str(relative) in READ_BY_NAME | DOCUMENTATION or relative.parts[0] == "LICENSES":
            continue
        if relative.is_relative_to(PROBES) and relative.suffix == ".json":
            continue
        unread.append(str(relative))
    assert not unread, f"vector files no test reads: {unread}"
    assert all((base / name).is_file() for name in READ_BY_NAME)
    assert len(list((base / PROBES).rglob("*.json"))) == 196  # PROVENANCE.md: the 196 probes


def test_every_upstream_has_its_licence_beside_the_vectors() -> None:
    licences = {p.name for p in (vectors_dir() / "LICENSES").iterdir()}
    assert licences == {
        "transparency-dev-merkle.Apache-2.0.txt",
        "golang-mod.BSD-3-Clause.txt",
        "C2SP.BSD-1-Clause.txt",
        "torchwood.ISC.txt",
    }


def test_every_signed_note_case_is_tested_by_name() -> None:
    source = (Path(__file__).parent / "test_note_vectors.py").read_text(encoding="utf-8")
    tested = set(re.findall(r'_case\(doc, "([^"]+)"\)', source))
    assert tested == {c["name"] for c in load_json("signed_notes.json")["cases"]}

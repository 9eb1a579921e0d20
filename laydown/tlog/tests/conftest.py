"""Shared fixtures: where the reference vectors live (in the repository: `vectors/` here)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

VECTORS_DIR = Path(__file__).resolve().parent / "vectors"


def vectors_dir() -> Path:
    """The reference vectors, with their provenance and licences (vectors/PROVENANCE.md)."""
    if not (VECTORS_DIR / "PROVENANCE.md").is_file():
        pytest.fail(
            f"reference vectors not found at {VECTORS_DIR}: they belong in the repository "
            "(tests must not silently skip)",
            pytrace=False,
        )
    return VECTORS_DIR


def load_json(name: str) -> Any:
    with open(vectors_dir() / name, encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="session")
def vectors() -> Path:
    return vectors_dir()

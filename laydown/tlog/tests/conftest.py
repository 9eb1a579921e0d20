"""Shared fixtures: where the reference vectors live."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]


def vectors_dir() -> Path:
    """The reference vectors: $LAYDOWN_VECTORS_DIR, else <repo root>/../shared/vectors."""
    env = os.environ.get("LAYDOWN_VECTORS_DIR")
    path = Path(env) if env else REPO_ROOT.parent / "shared" / "vectors"
    if not path.is_dir():
        pytest.fail(
            f"reference vectors not found at {path}; set LAYDOWN_VECTORS_DIR to the directory "
            "holding merkle_roots.json, signed_notes.json, ... (tests must not silently skip)",
            pytrace=False,
        )
    return path


def load_json(name: str) -> Any:
    with open(vectors_dir() / name, encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="session")
def vectors() -> Path:
    return vectors_dir()

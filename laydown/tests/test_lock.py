"""The lock files pin every dependency of pyproject.toml within its range (`make lock`)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.MULTILINE)


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text(encoding="utf-8")
    assert "--hash=sha256:" in text, f"{lock} is not pinned with hashes"
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


def project() -> dict[str, list[str]]:
    with open(ROOT / "pyproject.toml", "rb") as f:
        meta = tomllib.load(f)["project"]
    return {"run": meta["dependencies"], "dev": meta["optional-dependencies"]["dev"]}


@pytest.mark.parametrize(
    ("lock", "groups"),
    [("requirements.txt", ["run"]), ("requirements-dev.txt", ["run", "dev"])],
)
def test_the_lock_pins_every_dependency_within_its_range(lock: str, groups: list[str]) -> None:
    pinned = pins(lock)
    wrong = []
    for group in groups:
        for line in project()[group]:
            wanted = Requirement(line)
            version = pinned.get(canonicalize_name(wanted.name))
            if version is None or not wanted.specifier.contains(version, prereleases=True):
                wrong.append(f"{wanted} (locked: {version or 'absent'})")
    assert not wrong, f"{lock} is out of date with pyproject.toml, run `make lock`: {wrong}"


def test_both_locks_pin_the_same_versions() -> None:
    run, dev = pins("requirements.txt"), pins("requirements-dev.txt")
    differ = {name: (v, dev.get(name)) for name, v in run.items() if dev.get(name) != v}
    assert not differ, f"requirements.txt and requirements-dev.txt disagree: {differ}"

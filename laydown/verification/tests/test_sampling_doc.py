"""docs/verification.md describes the inspection sample precisely enough to recompute it: this
test follows the page's words with its own code, on the page's worked example and on random
inputs, and compares with what Laydown draws."""

from __future__ import annotations

import hashlib
import math
import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from laydown.verification import sampling

DOC = (Path(__file__).resolve().parents[3] / "docs" / "verification.md").read_text()


def found(pattern: str, text: str) -> re.Match[str]:
    match = re.search(pattern, text)
    assert match is not None, f"docs/verification.md no longer says {pattern!r}"
    return match


def by_the_doc(root: bytes, nonce: str, tags: list[str], percent: int) -> tuple[bytes, list[str]]:
    seed = hashlib.sha256(root + nonce.encode("utf-8")).digest()
    distinct = set(tags)
    size = min(len(distinct), math.ceil(len(distinct) * percent / 100))
    order = sorted(distinct, key=lambda t: (hashlib.sha256(seed + t.encode("utf-8")).digest(), t))
    return seed, order[:size]


def test_the_worked_example_of_the_page_recomputes() -> None:
    example = DOC[DOC.index("Worked example") :]
    root = bytes.fromhex(found(r"root `([0-9a-f]{64})`", example).group(1))
    nonce = found(r"nonce\s+`([^`]+)`", example).group(1)
    first, last = found(r"inventory `(W-\d+)` … `(W-\d+)`", example).groups()
    tags = [f"W-{i:05d}" for i in range(int(first[2:]), int(last[2:]) + 1)]
    percent = int(found(r"(\d+) %;", example).group(1))
    seed, sample = by_the_doc(root, nonce, tags, percent)
    assert found(r"seed `([0-9a-f]{64})`", example).group(1) == seed.hex()
    written = found(r"sample, in draw order: (.*)\.", example).group(1)
    assert re.findall(r"`([^`]+)`", written) == sample
    digest = found(r"inventory SHA-256 `([0-9a-f]{64})`", example).group(1)
    assert digest == hashlib.sha256("".join(f"{t}\n" for t in sorted(tags)).encode()).hexdigest()
    assert digest == sampling.inventory_digest(tags)
    assert sample == sampling.draw(sampling.sample_seed(root, nonce), tags, len(sample))


@given(
    st.binary(min_size=32, max_size=32),
    st.text(min_size=8, max_size=40),
    st.lists(st.text(min_size=1, max_size=12), max_size=60),
    st.integers(min_value=1, max_value=100),
)
def test_the_page_and_the_code_draw_the_same_sample(
    root: bytes, nonce: str, tags: list[str], percent: int
) -> None:
    _, sample = by_the_doc(root, nonce, tags, percent)
    size = sampling.sample_size(len(set(tags)), percent=percent, count=None)
    assert sampling.draw(sampling.sample_seed(root, nonce), tags, size) == sample

"""Stock-check samples: deterministic, drawn from a seed nobody knows before the checkpoint.

The seed is SHA-256 over the root of the latest signed checkpoint and the check's code, so the
operator cannot know the sample before the log reached that checkpoint, and anyone holding the
checkpoint can recompute it. Each container's items are ordered by SHA-256(seed || tag) and the
first ceil(10%) are drawn (at least one from a non-empty container).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable

SAMPLE_FRACTION = (1, 10)  # at least 10% of serials per container, weekly (IDDRS 4.11)


def sample_seed(*, checkpoint_root: bytes, check_code: str) -> str:
    return hashlib.sha256(
        checkpoint_root + b"\narms.stock_check\n" + check_code.encode()
    ).hexdigest()


def sample_size(count: int) -> int:
    numerator, denominator = SAMPLE_FRACTION
    return math.ceil(count * numerator / denominator)


def sample_draw(seed: str, tags: Iterable[str]) -> list[str]:
    """The sample from one container's tags, in draw order."""
    key = bytes.fromhex(seed)
    pool = sorted(tags, key=lambda tag: hashlib.sha256(key + tag.encode()).digest())
    return pool[: sample_size(len(pool))]

"""Inspection samples that nobody can choose: drawn from SHA-256(checkpoint root || nonce).

The inventory is fixed at a checkpoint (cosigned by witnesses) before the observer gives the
nonce, so the operator cannot know the sample while it can still change the inventory, and
the observer cannot steer it without knowing the inventory's order in advance. Anyone holding
the root, the nonce and the inventory list recomputes it: `laydown inspection sample`.
No Django here: the command runs on an observer's own machine.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path


def sample_seed(checkpoint_root: bytes, nonce: str) -> bytes:
    return hashlib.sha256(checkpoint_root + nonce.encode("utf-8")).digest()


def sample_size(population: int, *, percent: int | None, count: int | None) -> int:
    if count is not None:
        return min(count, population)
    return min(population, math.ceil(population * (percent or 10) / 100))


def inventory_digest(tags: Iterable[str]) -> str:
    """SHA-256 of the sorted inventory, one tag per line: what the inspection record fixes."""
    return hashlib.sha256("".join(f"{t}\n" for t in sorted(tags)).encode()).hexdigest()


def draw(seed: bytes, tags: Iterable[str], size: int) -> list[str]:
    """Order the inventory by SHA-256(seed || tag) and take the first `size` tags."""
    ranked = sorted(set(tags), key=lambda tag: (hashlib.sha256(seed + tag.encode()).digest(), tag))
    return ranked[:size]


def main(argv: Sequence[str], prog: str = "laydown inspection") -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("sample", help="recompute an inspection's sample from public inputs")
    cmd.add_argument("--root", required=True, help="the checkpoint's root hash, hex")
    cmd.add_argument("--nonce", required=True, help="the nonce the observer gave")
    size = cmd.add_mutually_exclusive_group(required=True)
    size.add_argument("--percent", type=int)
    size.add_argument("--count", type=int)
    cmd.add_argument("inventory", type=Path, help="file with the inventory's tags, one per line")
    args = parser.parse_args(argv)
    try:
        root = bytes.fromhex(args.root)
        tags = [t.strip() for t in args.inventory.read_text().splitlines() if t.strip()]
    except (ValueError, OSError) as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return 2
    n = sample_size(len(set(tags)), percent=args.percent, count=args.count)
    print(f"# inventory {inventory_digest(set(tags))} ({len(set(tags))} items), sample of {n}")
    for tag in draw(sample_seed(root, args.nonce), tags, n):
        print(tag)
    return 0

"""The right edge gives the same roots as the whole tree, from tiles or from appends."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from laydown import tlog


def _leaves(n: int) -> list[bytes]:
    return [tlog.leaf_hash(str(i).encode()) for i in range(n)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=700), min_size=1, max_size=5))
def test_appending_to_the_edge_gives_the_root_of_every_size(batches: list[int]) -> None:
    leaves = _leaves(sum(batches))
    edge: list[bytes] = []
    size = 0
    for n in batches:
        edge = tlog.edge_append(size, edge, leaves[size : size + n])
        size += n
        assert tlog.edge_root(edge) == tlog.root_hash(leaves[:size])


@pytest.mark.parametrize("size", [0, 1, 255, 256, 257, 65535, 65536, 70001])
def test_the_edge_read_from_tiles_is_the_edge_built_by_appending(size: int) -> None:
    tree = tlog.MemoryTree()
    leaves = _leaves(size)
    tree.append_hashes(leaves)
    edge = tlog.edge_from_tiles(size, tree.read_tile)
    assert edge == tlog.edge_append(0, [], leaves)
    assert tlog.edge_root(edge) == tree.root()
    assert tlog.split_edge(size, tlog.join_edge(edge)) == edge


def test_an_edge_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(tlog.TileError, match="not 2"):
        tlog.edge_append(4, [hashlib.sha256(b"a").digest()] * 2, [])
    with pytest.raises(tlog.TileError):
        tlog.split_edge(3, bytes(32))


def test_the_edge_tiles_are_the_partial_tile_of_each_level() -> None:
    assert tlog.edge_tiles(0) == []
    assert tlog.edge_tiles(256) == [tlog.Tile(1, 0, 1)]
    assert tlog.edge_tiles(70001) == [
        tlog.Tile(0, 273, 113),
        tlog.Tile(1, 1, 17),
        tlog.Tile(2, 0, 1),
    ]


@pytest.mark.parametrize("size", [1, 2, 255, 256, 257, 70001])
def test_inclusion_tiles_are_exactly_the_tiles_a_proof_reads(size: int) -> None:
    tree = tlog.MemoryTree()
    tree.append_hashes(_leaves(size))
    for index in {0, size // 3, size - 1}:
        read: set[tuple[int, int]] = set()

        def recording(level: int, n: int, read: set[tuple[int, int]] = read) -> bytes:
            read.add((level, n))
            return tree.read_tile(level, n)

        proof = tlog.tree_inclusion_proof(index, size, recording)
        assert sorted(read) == tlog.tree_inclusion_tiles(index, size)
        assert proof == tree.inclusion_proof(index)

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


@pytest.mark.parametrize("size", [1, 2, 3, 7, 255, 256, 257, 511, 65535, 65536, 70001, 131329])
def test_inclusion_proofs_from_the_edge_are_those_of_the_tree(size: int) -> None:
    tree = tlog.MemoryTree()
    leaves = _leaves(size)
    tree.append_hashes(leaves)
    edge = tlog.edge_from_tiles(size, _only(tree, tlog.edge_source_tiles(size)))
    assert edge == tlog.edge_append(0, [], leaves)
    root = tree.root()
    cache = tlog.TileHashCache(maxsize=8)
    edges_of_peaks = {0, size - 1} | {(1 << b) - 1 for b in range(size.bit_length())}
    indices = sorted({i for i in edges_of_peaks if i < size} | set(range(0, size, 97)))
    for index in indices:
        expected = tlog.tree_inclusion_proof(index, size, tree.read_tile)
        needed = tlog.edge_inclusion_tiles(index, size)
        assert needed[0] == (0, index // 256)  # the leaf's tile, whose hash the caller checks
        for use in (None, cache):
            proof = tlog.edge_inclusion_proof(index, size, edge, _only(tree, needed), use)
            assert proof == expected
        tlog.verify_inclusion(leaves[index], index, size, proof, root)


def _only(tree: tlog.MemoryTree, tiles: list[tuple[int, int]]) -> tlog.TileReader:
    """The tree's tiles, but only those named (KeyError for any other)."""

    def read(level: int, n: int) -> bytes:
        if (level, n) not in tiles:
            raise KeyError((level, n))
        return tree.read_tile(level, n)

    return read


@settings(max_examples=80, deadline=None)
@given(st.integers(min_value=1, max_value=3000), st.data())
def test_inclusion_proofs_from_the_edge_verify_at_any_size(size: int, data: st.DataObject) -> None:
    tree = tlog.MemoryTree()
    leaves = _leaves(size)
    tree.append_hashes(leaves)
    edge = tlog.edge_from_tiles(size, tree.read_tile)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = tlog.edge_inclusion_proof(index, size, edge, tree.read_tile)
    assert proof == tlog.tree_inclusion_proof(index, size, tree.read_tile)
    tlog.verify_inclusion(leaves[index], index, size, proof, tree.root())


def test_an_inclusion_proof_needs_an_index_in_the_tree_and_an_edge_of_its_size() -> None:
    tree = tlog.MemoryTree()
    tree.append_hashes(_leaves(5))
    edge = tlog.edge_from_tiles(5, tree.read_tile)
    with pytest.raises(tlog.ProofError):
        tlog.edge_inclusion_proof(5, 5, edge, tree.read_tile)
    with pytest.raises(tlog.TileError):
        tlog.edge_inclusion_proof(1, 6, edge, tree.read_tile)

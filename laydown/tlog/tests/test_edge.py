"""The right edge gives the same roots as the whole tree, from tiles or from appends."""

from __future__ import annotations

import hashlib
import random

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


# At and between tile boundaries: a full tile, one past it, a level-1 tile full, one leaf, one
# full tile and one partial tile past it, two level-1 tiles, a level-2 tile of width 3 and more.
BOUNDARIES = [255, 256, 257, 4096, 65535, 65536, 65537, 65792, 66000, 131072, 131073, 196863]


@pytest.mark.parametrize("size", BOUNDARIES)
def test_inclusion_proofs_from_kept_tile_nodes_are_the_reference_proofs(size: int) -> None:
    leaves = _leaves(size)
    tree = tlog.MemoryTree()
    tree.append_hashes(leaves)
    edge = tlog.edge_append(0, [], leaves)
    rng = random.Random(size)
    ends = {0, size - 1} | {(1 << b) - 1 for b in range(size.bit_length())}
    indices = [rng.randrange(size) for _ in range(30)] + sorted(i for i in ends if i < size)
    kept_all = tlog.TileHashCache(maxsize=4)
    kept_few = tlog.TileHashCache(maxsize=1, full_maxsize=2)  # forgets at almost every proof
    for index in indices + indices:  # the second time from the nodes kept
        expected = tlog.tree_inclusion_proof(index, size, tree.read_tile)
        for cache in (kept_all, kept_few):
            assert tlog.edge_inclusion_proof(index, size, edge, tree.read_tile, cache) == expected
    for index in indices[:3]:  # the tile-based reference is the one from the leaves themselves
        assert tlog.tree_inclusion_proof(index, size, tree.read_tile) == tlog.inclusion_proof(
            index, size, leaves
        )


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=70_000), st.lists(st.integers(min_value=0), max_size=8))
def test_a_cache_shared_by_trees_of_several_sizes_gives_each_its_own_proofs(
    size: int, picks: list[int]
) -> None:
    tree = tlog.MemoryTree()
    tree.append_hashes(_leaves(size + 300))
    cache = tlog.TileHashCache(maxsize=3, full_maxsize=5)
    for grown in (size, size + 1, size + 256, size + 300):  # one log served at several sizes
        edge = tlog.edge_from_tiles(grown, tree.read_tile)
        for pick in picks:
            index = pick % grown
            proof = tlog.edge_inclusion_proof(index, grown, edge, tree.read_tile, cache)
            assert proof == tlog.tree_inclusion_proof(index, grown, tree.read_tile)


def test_a_cache_met_by_another_log_gives_this_logs_proofs() -> None:
    ours, theirs = tlog.MemoryTree(), tlog.MemoryTree()
    ours.append_hashes(_leaves(70001))
    theirs.append_hashes([tlog.leaf_hash(b"other %d" % i) for i in range(70001)])
    cache = tlog.TileHashCache()
    for tree in (theirs, ours, theirs):  # the same tile coordinates, other contents
        edge = tlog.edge_from_tiles(tree.size, tree.read_tile)
        for index in (5, 300, 65535, 69999):
            proof = tlog.edge_inclusion_proof(index, tree.size, edge, tree.read_tile, cache)
            assert proof == tlog.tree_inclusion_proof(index, tree.size, tree.read_tile)
            assert tlog.tree_consistency_proof(
                index + 1, tree.size, tree.read_tile, cache
            ) == tlog.tree_consistency_proof(index + 1, tree.size, tree.read_tile)


@pytest.mark.parametrize("size", BOUNDARIES)
def test_consistency_proofs_from_kept_tile_nodes_are_the_reference_proofs(size: int) -> None:
    leaves = _leaves(size)
    tree = tlog.MemoryTree()
    tree.append_hashes(leaves)
    rng = random.Random(size)
    olds = {1, 255, 256, 257, 65535, 65536, size - 1, size} | {
        rng.randrange(1, size + 1) for _ in range(20)
    }
    cache = tlog.TileHashCache(maxsize=2, full_maxsize=3)
    for new in {size, max(1, size - 1)}:
        for old in sorted(o for o in olds if 0 < o <= new):
            read: set[tuple[int, int]] = set()

            def recording(level: int, n: int, read: set[tuple[int, int]] = read) -> bytes:
                read.add((level, n))
                return tree.read_tile(level, n)

            expected = tlog.tree_consistency_proof(old, new, recording)
            assert sorted(read) == tlog.tree_consistency_tiles(old, new)
            assert tlog.tree_consistency_proof(old, new, tree.read_tile, cache) == expected
            tlog.verify_consistency(old, new, expected, tree.root(old), tree.root(new))
    for old in sorted(olds)[:3]:  # the tile-based reference is the one from the leaves
        expected = tlog.consistency_proof(old, size, leaves)
        assert tlog.tree_consistency_proof(old, size, tree.read_tile) == expected


def test_a_full_tile_is_hashed_whole_once_then_at_most_14_times(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tree = tlog.MemoryTree()
    tree.append_hashes(_leaves(65536 + 5))
    edge = tlog.edge_from_tiles(tree.size, tree.read_tile)
    cache = tlog.TileHashCache()
    tlog.edge_inclusion_proof(1000, tree.size, edge, tree.read_tile, cache)  # 2 tiles, 255 each
    calls = [0]
    real = hashlib.sha256

    def counted(data: bytes = b"") -> object:
        calls[0] += 1
        return real(data)

    monkeypatch.setattr(hashlib, "sha256", counted)
    proof = tlog.edge_inclusion_proof(1001, tree.size, edge, tree.read_tile, cache)
    monkeypatch.undo()
    assert calls[0] <= 2 * 14  # 16 entries around the leaf in each of its two tiles
    assert proof == tlog.tree_inclusion_proof(1001, tree.size, tree.read_tile)


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

"""tile_paths.json, tile layout, tile-based roots and proofs, and verify_tiles."""

from __future__ import annotations

import re
from typing import Any

import pytest

from laydown.tlog import (
    ENTRIES_LEVEL,
    TILE_HEIGHT,
    TILE_WIDTH,
    MemoryTree,
    Tile,
    TileError,
    leaf_hash,
    node_hash,
    parse_tile_path,
    root_hash,
    tile_path,
    tiles_append,
    tiles_for_size,
    tree_hash,
    tree_root,
    verify_tiles,
)

from .conftest import load_json


@pytest.fixture(scope="module")
def doc() -> Any:
    return load_json("tile_paths.json")


def test_the_c2sp_index_encoding_example_formats_and_parses(doc: Any) -> None:
    for ex in doc["c2sp_tlog_tiles"]["index_encoding_examples"]:
        path = f"tile/1/{ex['path_element']}.p/12"
        assert tile_path(Tile(1, ex["n"], 12)) == path
        assert parse_tile_path(path) == Tile(1, ex["n"], 12)
        assert tile_path(Tile(0, ex["n"])) == f"tile/0/{ex['path_element']}"


def test_a_tree_of_70000_has_the_tiles_the_spec_lists(doc: Any) -> None:
    t = doc["c2sp_tlog_tiles"]["tree_70000"]
    tiles = tiles_for_size(t["tree_size"])
    level0 = [x for x in tiles if x.level == 0]
    assert [x.width for x in level0].count(256) == t["full_level0_tiles"]
    assert level0[-1] == Tile(0, 273, t["partial_level0_width"])
    level1 = [x for x in tiles if x.level == 1]
    assert level1 == [Tile(1, 0, 256), Tile(1, 1, t["partial_level1_width"])]
    assert t["full_level1_tiles"] == 1
    assert [x for x in tiles if x.level >= 2] == [Tile(2, 0, t["partial_level2_width"])]


def test_a_tree_of_256_has_a_full_tile_and_a_level_1_tile_of_width_1() -> None:
    assert tiles_for_size(256) == [Tile(0, 0, 256), Tile(1, 0, 1)]
    assert tiles_for_size(0) == []
    assert tiles_for_size(1) == [Tile(0, 0, 1)]


def _from_go_path(path: str) -> tuple[int, str]:
    """Drop the height element of a Go sumdb tile path: tile/<H>/<L>/... -> tile/<L>/..."""
    m = re.fullmatch(r"tile/(\d+)/(.*)", path)
    assert m is not None
    rest = m.group(2)
    if rest.startswith("data/"):
        rest = "entries/" + rest.removeprefix("data/")
    return int(m.group(1)), f"tile/{rest}"


def test_every_go_sumdb_tile_path_case_maps_onto_the_c2sp_encoding(doc: Any) -> None:
    cases = doc["go_sumdb_tlog_paths_height_param"]["cases"]
    assert len(cases) == 8
    for case in cases:
        height, path = _from_go_path(case["path"])
        if case.get("invalid"):
            with pytest.raises(TileError):
                parse_tile_path(path)
            continue
        tile = parse_tile_path(path)
        level = ENTRIES_LEVEL if case["L"] == -1 else case["L"]
        full = case["W"] == 1 << case["H"]
        assert height == case["H"]
        assert tile == Tile(level, case["N"], TILE_WIDTH if full else case["W"])
        assert tile_path(tile) == path


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/1",
        "tile/0/01",
        "tile/0/0001",
        "tile/00/001",
        "tile/01/001",
        "tile/64/001",
        "tile/-1/001",
        "tile/0/x000/001",
        "tile/0/001/234",
        "tile/0/x001/234/",
        "tile/0/x1/234",
        "tile/0/X001/234",
        "tile/0/001.p/0",
        "tile/0/001.p/256",
        "tile/0/001.p/300",
        "tile/0/001.p/012",
        "tile/0/001.p/",
        "tile/0/001.p",
        "tile/0/001.q/5",
        "/tile/0/001",
        "tile/0/001 ",
        "tile/0/\u0661\u0662\u0663",
        "tile/data/001",
        "tile/entries/x000/001",
        "tiles/0/001",
        "tile/0/001\n",
    ],
)
def test_it_rejects_a_non_canonical_tile_path(path: str) -> None:
    with pytest.raises(TileError):
        parse_tile_path(path)


def test_tile_paths_round_trip_for_many_indices_and_widths() -> None:
    for n in [0, 1, 999, 1000, 1001, 999_999, 1_000_000, 1234067, 10**12 + 7]:
        for level in [ENTRIES_LEVEL, 0, 1, 63]:
            for width in [1, 17, 255, 256]:
                tile = Tile(level, n, width)
                assert parse_tile_path(tile_path(tile)) == tile
    assert tile_path(Tile(ENTRIES_LEVEL, 5, 3)) == "tile/entries/005.p/3"
    for bad in [Tile(64, 0, 256), Tile(0, -1, 256), Tile(0, 0, 0), Tile(0, 0, 257)]:
        with pytest.raises(TileError):
            tile_path(bad)


def _leaves(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def test_tile_entries_above_level_0_are_roots_of_full_tiles_below() -> None:
    tree = MemoryTree()
    hashes = _leaves(70000)
    tree.append_hashes(hashes)
    level1 = tree.read_tile(1, 0)
    assert level1[:32] == root_hash(hashes[:256])
    assert level1[32 * 255 :] == root_hash(hashes[255 * 256 : 256 * 256])
    assert tree.read_tile(2, 0) == root_hash(hashes[: 256 * 256])
    assert tree.root() == root_hash(hashes)
    assert tree_hash(16, 0, tree.read_tile) == root_hash(hashes[:65536])
    assert tree_hash(0, 69999, tree.read_tile) == hashes[69999]
    assert tree_hash(3, 5, tree.read_tile) == root_hash(hashes[40:48])
    assert tree_hash(9, 2, tree.read_tile) == root_hash(hashes[1024:1536])


def test_tiles_append_reads_only_the_partial_right_edge_tiles() -> None:
    tree = MemoryTree()
    tree.append_hashes(_leaves(70000))
    reads: list[tuple[int, int]] = []

    def reader(level: int, index: int) -> bytes:
        reads.append((level, index))
        return tree.read_tile(level, index)

    changed = tiles_append(70000, _leaves(300)[:300], reader)
    assert reads == [(0, 273), (1, 1)]  # 112 + 300 leaves complete tile 273
    assert set(changed) == {(0, 273), (0, 274), (1, 1)}
    assert len(changed[(1, 1)]) == 18 * 32


def test_tree_root_reads_only_the_tiles_it_needs() -> None:
    tree = MemoryTree()
    tree.append_hashes(_leaves(70000))
    reads: set[tuple[int, int]] = set()

    def reader(level: int, index: int) -> bytes:
        reads.add((level, index))
        return tree.read_tile(level, index)

    assert tree_root(70000, reader) == tree.root()
    assert reads <= {(0, 273), (1, 1), (2, 0), (1, 0)}


def test_a_missing_or_short_tile_is_a_tile_error() -> None:
    tree = MemoryTree()
    tree.append_hashes(_leaves(300))
    with pytest.raises(TileError, match="tile/1/000.p/2 has 32 bytes"):
        tree_root(600, tree.read_tile)
    with pytest.raises(TileError, match=r"tile/0/000\.p/\d is missing"):
        tree_root(5, MemoryTree().read_tile)
    with pytest.raises(TileError, match="bytes"):
        tree_root(299 + 2, tree.read_tile)
    with pytest.raises(TileError):
        tiles_append(0, [b"short"], tree.read_tile)


def test_verify_tiles_returns_the_root_and_reports_progress_per_tile() -> None:
    tree = MemoryTree()
    hashes = _leaves(70000)
    tree.append_hashes(hashes)
    seen: list[int] = []
    assert verify_tiles(70000, tree.read_tile, seen.append) == root_hash(hashes)
    assert seen[0] == 256 and seen[-1] == 70000 and len(seen) == 274
    assert verify_tiles(0, tree.read_tile) == root_hash([])
    assert verify_tiles(65536, tree.read_tile) == root_hash(hashes[:65536])


def test_verify_tiles_names_the_tile_and_hash_that_differ() -> None:
    tree = MemoryTree()
    tree.append_hashes(_leaves(70000))
    tiles = dict(tree.tiles)
    bad = bytearray(tiles[(0, 7)])
    bad[100] ^= 1
    tiles[(0, 7)] = bytes(bad)
    with pytest.raises(TileError, match=r"tile/1/000 hash 7 .* tile/0/007"):
        verify_tiles(70000, lambda level, index: tiles[(level, index)])
    tiles = dict(tree.tiles)
    bad = bytearray(tiles[(1, 1)])
    bad[32 * 3] ^= 0x80
    tiles[(1, 1)] = bytes(bad)
    with pytest.raises(TileError, match=r"tile/1/001\.p/17 hash 3"):
        verify_tiles(70000, lambda level, index: tiles[(level, index)])


def test_the_tile_constants_are_the_c2sp_ones() -> None:
    assert (TILE_HEIGHT, TILE_WIDTH) == (8, 256)
    assert node_hash(b"a", b"b") == node_hash(b"a", b"b")

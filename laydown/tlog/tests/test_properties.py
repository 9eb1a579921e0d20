"""Hypothesis properties: tiles agree with the recursive RFC 9162 definition, every proof
verifies, and any tampering is rejected."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from laydown.tlog import (
    MemoryTree,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root_hash,
    tree_consistency_proof,
    tree_inclusion_proof,
    tree_root,
    verify_consistency,
    verify_inclusion,
)

PROPS = settings(max_examples=60, deadline=None)


def mth(leaves: Sequence[bytes]) -> bytes:
    """RFC 9162 section 2.1.1, literally recursive."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def _leaves(n: int, salt: int) -> list[bytes]:
    return [leaf_hash(salt.to_bytes(4, "big") + i.to_bytes(4, "big")) for i in range(n)]


def _flip(h: bytes, bit: int) -> bytes:
    b = bytearray(h)
    b[(bit // 8) % len(b)] ^= 1 << (bit % 8)
    return bytes(b)


def _shape(index: int, size: int) -> tuple[int, int]:
    """(inner, border) lengths of an inclusion path; with the index bits they fix the
    whole computation a verifier does."""
    if index >= size:
        return (-1, -1)
    inner = (index ^ (size - 1)).bit_length()
    return inner, bin(index >> inner).count("1")


@st.composite
def trees(draw: st.DrawFn) -> tuple[list[bytes], MemoryTree, int, int]:
    n = draw(st.integers(1, 3000))
    m = draw(st.integers(1, n))
    leaves = _leaves(n, draw(st.integers(0, 2**32 - 1)))
    tree = MemoryTree(cache_size=draw(st.sampled_from([0, 1, 64])))
    pos = 0
    while pos < n:
        batch = draw(st.integers(1, 700))
        tree.append_hashes(leaves[pos : pos + batch])
        pos += batch
    return leaves, tree, m, n


@PROPS
@given(trees())
def test_the_tile_tree_built_in_random_batches_has_the_recursive_root(
    t: tuple[list[bytes], MemoryTree, int, int],
) -> None:
    leaves, tree, m, n = t
    assert tree.size == n
    assert tree.root() == mth(leaves) == root_hash(leaves)
    assert tree.root(m) == mth(leaves[:m]) == root_hash(leaves[:m])
    assert tree_root(m, tree.read_tile) == mth(leaves[:m])


@PROPS
@given(trees(), st.data())
def test_every_inclusion_proof_verifies_and_tampering_is_rejected(
    t: tuple[list[bytes], MemoryTree, int, int], data: st.DataObject
) -> None:
    leaves, tree, _, n = t
    size = data.draw(st.integers(1, n))
    index = data.draw(st.integers(0, size - 1))
    root = mth(leaves[:size])
    proof = inclusion_proof(index, size, leaves)
    assert proof == tree.inclusion_proof(index, size)
    assert proof == tree_inclusion_proof(index, size, tree.read_tile)
    verify_inclusion(leaves[index], index, size, proof, root)

    bit = data.draw(st.integers(0, 255))
    with pytest.raises(ProofError):
        verify_inclusion(leaves[index], index, size, proof, _flip(root, bit))
    with pytest.raises(ProofError):
        verify_inclusion(_flip(leaves[index], bit), index, size, proof, root)
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        bad = list(proof)
        bad[k] = _flip(bad[k], bit)
        with pytest.raises(ProofError):
            verify_inclusion(leaves[index], index, size, bad, root)
        with pytest.raises(ProofError):
            verify_inclusion(leaves[index], index, size, proof[:-1], root)
    other = data.draw(st.integers(0, size))
    if other != index:
        with pytest.raises(ProofError):
            verify_inclusion(leaves[index], other, size, proof, root)
    wrong_size = data.draw(st.integers(1, n + 5))
    if _shape(index, wrong_size) != _shape(index, size):
        with pytest.raises(ProofError):
            verify_inclusion(leaves[index], index, wrong_size, proof, root)
    elif wrong_size > index:
        # An inclusion proof does not commit to the tree size when the path has the same
        # shape (e.g. leaf 0 in trees of 129 and 130): the checkpoint authenticates the size.
        verify_inclusion(leaves[index], index, wrong_size, proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(leaves[index], index, size, [*proof, root], root)


@PROPS
@given(trees(), st.data())
def test_every_consistency_proof_verifies_and_tampering_is_rejected(
    t: tuple[list[bytes], MemoryTree, int, int], data: st.DataObject
) -> None:
    leaves, tree, m, n = t
    old, new = mth(leaves[:m]), mth(leaves)
    proof = consistency_proof(m, n, leaves)
    assert proof == tree.consistency_proof(m)
    assert proof == tree_consistency_proof(m, n, tree.read_tile)
    verify_consistency(m, n, proof, old, new)

    bit = data.draw(st.integers(0, 255))
    with pytest.raises(ProofError):
        verify_consistency(m, n, proof, _flip(old, bit), new)
    with pytest.raises(ProofError):
        verify_consistency(m, n, proof, old, _flip(new, bit))
    if proof:
        k = data.draw(st.integers(0, len(proof) - 1))
        bad = list(proof)
        bad[k] = _flip(bad[k], bit)
        with pytest.raises(ProofError):
            verify_consistency(m, n, bad, old, new)
        with pytest.raises(ProofError):
            verify_consistency(m, n, proof[1:], old, new)
    wrong_m = data.draw(st.integers(0, n))
    if wrong_m != m:
        with pytest.raises(ProofError):
            verify_consistency(wrong_m, n, proof, old, new)
    wrong_n = data.draw(st.integers(m, n + 5))
    if wrong_n != n and (m == n or _shape(m - 1, wrong_n) != _shape(m - 1, n)):
        with pytest.raises(ProofError):
            verify_consistency(m, wrong_n, proof, old, new)


def test_proofs_from_lists_reject_sizes_beyond_the_leaves() -> None:
    leaves = _leaves(5, 0)
    with pytest.raises(ProofError):
        inclusion_proof(5, 5, leaves)
    with pytest.raises(ProofError):
        inclusion_proof(0, 6, leaves)
    with pytest.raises(ProofError):
        consistency_proof(3, 2, leaves)
    with pytest.raises(ProofError):
        verify_inclusion(leaves[0], -1, 5, [], leaves[0])
    assert consistency_proof(0, 5, leaves) == []
    assert consistency_proof(5, 5, leaves) == []
    tree = MemoryTree()
    tree.append_hashes(leaves)
    with pytest.raises(ProofError):
        tree.inclusion_proof(0, 6)
    with pytest.raises(ProofError):
        tree.consistency_proof(4, 6)
    assert tree.leaf_hash(4) == leaves[4]

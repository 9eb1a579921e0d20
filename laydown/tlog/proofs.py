"""RFC 9162 inclusion and consistency proofs, built from a list of leaf hashes and verified
with exactly the semantics of transparency-dev/merkle ``proof/verify.go``.

Sizes and indices are unsigned 64-bit integers, as in the Go implementation; values outside
``[0, 2**64)`` are rejected with :class:`~laydown.tlog.errors.ProofError`.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence

from .errors import ProofError
from .hashing import HASH_SIZE, node_hash, root_hash

__all__ = [
    "consistency_proof",
    "inclusion_proof",
    "root_from_inclusion_proof",
    "verify_consistency",
    "verify_inclusion",
]

_U64 = 1 << 64

RangeHasher = Callable[[int, int], bytes]
"""``(lo, hi) -> MTH(D[lo:hi])`` for an aligned, non-empty range (see :func:`_path`)."""


def _check_u64(name: str, value: int) -> None:
    if not 0 <= value < _U64:
        raise ProofError(f"{name} {value} is not an unsigned 64-bit integer")


def _split(n: int) -> int:
    """Largest power of two strictly smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_path(index: int, size: int, mth: RangeHasher) -> list[bytes]:
    """RFC 9162 PATH(index, D[0:size]) using ``mth`` for every sibling subtree hash.

    Requires ``0 <= index < size`` (checked by the callers). Raises whatever ``mth`` raises.
    """
    lo, hi = 0, size
    top_down: list[bytes] = []
    while hi - lo > 1:
        k = _split(hi - lo)
        if index - lo < k:
            top_down.append(mth(lo + k, hi))
            hi = lo + k
        else:
            top_down.append(mth(lo, lo + k))
            lo = lo + k
    top_down.reverse()
    return top_down


def consistency_path(old_size: int, new_size: int, mth: RangeHasher) -> list[bytes]:
    """RFC 9162 PROOF(old_size, D[0:new_size]) using ``mth`` for every subtree hash.

    Requires ``0 < old_size < new_size`` (checked by the callers).
    """
    lo, hi, m = 0, new_size, old_size
    complete = True  # the "b" flag of SUBPROOF
    top_down: list[bytes] = []
    while True:
        n = hi - lo
        if m == n:
            if not complete:
                top_down.append(mth(lo, hi))
            break
        k = _split(n)
        if m <= k:
            top_down.append(mth(lo + k, hi))
            hi = lo + k
        else:
            top_down.append(mth(lo, lo + k))
            lo += k
            m -= k
            complete = False
    top_down.reverse()
    return top_down


def _list_mth(leaf_hashes: Sequence[bytes]) -> RangeHasher:
    def mth(lo: int, hi: int) -> bytes:
        return root_hash(leaf_hashes[lo:hi])

    return mth


def inclusion_proof(index: int, size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """Return the RFC 9162 inclusion proof of leaf ``index`` in the tree of the first ``size``
    entries of ``leaf_hashes``.

    Raises :class:`ProofError` unless ``0 <= index < size <= len(leaf_hashes)``.
    """
    _check_u64("index", index)
    _check_u64("size", size)
    if index >= size:
        raise ProofError(f"index {index} is beyond tree size {size}")
    if size > len(leaf_hashes):
        raise ProofError(f"tree size {size} exceeds the {len(leaf_hashes)} leaf hashes given")
    return inclusion_path(index, size, _list_mth(leaf_hashes))


def consistency_proof(old_size: int, new_size: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """Return the RFC 9162 consistency proof from tree size ``old_size`` to ``new_size``.

    The proof is empty when ``old_size == new_size`` and, by the c2sp.org/tlog-witness
    convention, when ``old_size == 0`` (note that :func:`verify_consistency`, like
    transparency-dev/merkle, rejects every proof from the empty tree).
    Raises :class:`ProofError` unless ``0 <= old_size <= new_size <= len(leaf_hashes)``.
    """
    _check_u64("old size", old_size)
    _check_u64("new size", new_size)
    if old_size > new_size:
        raise ProofError(f"old size {old_size} > new size {new_size}")
    if new_size > len(leaf_hashes):
        raise ProofError(f"tree size {new_size} exceeds the {len(leaf_hashes)} leaf hashes given")
    if old_size == 0 or old_size == new_size:
        return []
    return consistency_path(old_size, new_size, _list_mth(leaf_hashes))


# --- verification (transparency-dev/merkle proof/verify.go) -------------------------------


def _decomp_incl_proof(index: int, size: int) -> tuple[int, int]:
    inner = (index ^ (size - 1)).bit_length()
    border = bin(index >> inner).count("1")
    return inner, border


def _chain_inner(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, h in enumerate(proof):
        if (index >> i) & 1 == 0:
            seed = node_hash(seed, h)
        else:
            seed = node_hash(h, seed)
    return seed


def _chain_inner_right(seed: bytes, proof: Sequence[bytes], index: int) -> bytes:
    for i, h in enumerate(proof):
        if (index >> i) & 1 == 1:
            seed = node_hash(h, seed)
    return seed


def _chain_border_right(seed: bytes, proof: Sequence[bytes]) -> bytes:
    for h in proof:
        seed = node_hash(h, seed)
    return seed


def _check_proof_hashes(proof: Sequence[bytes]) -> None:
    for i, h in enumerate(proof):
        if len(h) != HASH_SIZE:
            raise ProofError(f"proof hash {i} has {len(h)} bytes, want {HASH_SIZE}")


def _verify_match(calculated: bytes, expected: bytes, what: str) -> None:
    if not hmac.compare_digest(calculated, expected):
        raise ProofError(f"calculated {what} {calculated.hex()} does not match {expected.hex()}")


def root_from_inclusion_proof(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]
) -> bytes:
    """Return the root implied by an inclusion proof (``RootFromInclusionProof`` in Go).

    Raises :class:`ProofError` if ``index >= size``, a hash is not 32 bytes long, or the
    proof does not have exactly the length the index and size require.
    """
    _check_u64("index", index)
    _check_u64("size", size)
    if index >= size:
        raise ProofError(f"index {index} is beyond tree size {size}")
    if len(leaf_hash) != HASH_SIZE:
        raise ProofError(f"leaf hash has {len(leaf_hash)} bytes, want {HASH_SIZE}")
    inner, border = _decomp_incl_proof(index, size)
    if len(proof) != inner + border:
        raise ProofError(f"wrong proof size {len(proof)}, want {inner + border}")
    _check_proof_hashes(proof)
    res = _chain_inner(leaf_hash, proof[:inner], index)
    return _chain_border_right(res, proof[inner:])


def verify_inclusion(
    leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf_hash`` is at ``index`` in the tree of ``size`` leaves with ``root``.

    Returns ``None`` on success. Raises :class:`ProofError` on any failure (see
    :func:`root_from_inclusion_proof`, plus a root mismatch).
    """
    calculated = root_from_inclusion_proof(leaf_hash, index, size, proof)
    _verify_match(calculated, root, "root")


def verify_consistency(
    old_size: int,
    new_size: int,
    proof: Sequence[bytes],
    old_root: bytes,
    new_root: bytes,
) -> None:
    """Check that the tree (``new_size``, ``new_root``) extends (``old_size``, ``old_root``).

    Follows transparency-dev/merkle ``VerifyConsistency``: equal sizes need an empty proof
    and byte-equal roots; otherwise ``0 < old_size < new_size`` and the proof must rebuild
    both roots. Any proof from size 0 is rejected (there is nothing to prove from the empty
    tree; the reference vectors require rejection even for ``0 -> 0``).
    Returns ``None`` on success; raises :class:`ProofError` on any failure.
    """
    _check_u64("old size", old_size)
    _check_u64("new size", new_size)
    if new_size < old_size:
        raise ProofError(f"new size {new_size} < old size {old_size}")
    if old_size == 0:
        raise ProofError("a consistency proof from the empty tree is meaningless")
    if old_size == new_size:
        if proof:
            raise ProofError("sizes are equal but the proof is not empty")
        _verify_match(old_root, new_root, "old root")
        return
    if not proof:
        raise ProofError("empty consistency proof")
    _check_proof_hashes(proof)

    inner, border = _decomp_incl_proof(old_size - 1, new_size)
    shift = (old_size & -old_size).bit_length() - 1  # trailing zeros
    inner -= shift
    # The proof includes the root hash of the subtree of size 2**shift, unless old_size is
    # that very power of two (then the old root itself is the seed).
    if old_size == 1 << shift:
        seed, start = old_root, 0
    else:
        seed, start = proof[0], 1
    if len(proof) != start + inner + border:
        raise ProofError(f"wrong proof size {len(proof)}, want {start + inner + border}")
    rest = proof[start:]
    mask = (old_size - 1) >> shift
    hash1 = _chain_inner_right(seed, rest[:inner], mask)
    hash1 = _chain_border_right(hash1, rest[inner:])
    _verify_match(hash1, old_root, "old root")
    hash2 = _chain_inner(seed, rest[:inner], mask)
    hash2 = _chain_border_right(hash2, rest[inner:])
    _verify_match(hash2, new_root, "new root")

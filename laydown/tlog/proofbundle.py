"""Transparency log proofs (c2sp.org/tlog-proof): an offline-verifiable bundle of a leaf
index, its inclusion proof and the signed (and possibly cosigned) checkpoint::

    c2sp.org/tlog-proof@v1
    [extra <base64 opaque extra data>]
    index <decimal leaf index>
    <base64 proof hash>          (zero or more lines, from the leaf's sibling upwards)

    <signed checkpoint note, verbatim>
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .checkpoint import Checkpoint, open_checkpoint
from .errors import TlogProofError
from .hashing import HASH_SIZE
from .note import Verifier
from .proofs import verify_inclusion

__all__ = [
    "TLOG_PROOF_HEADER",
    "TlogProof",
    "format_tlog_proof",
    "parse_tlog_proof",
    "verify_tlog_proof",
]

TLOG_PROOF_HEADER = "c2sp.org/tlog-proof@v1"
"""First line of every tlog-proof document."""

_INDEX = re.compile(r"0|[1-9][0-9]*")
_MAX_INDEX = (1 << 64) - 1


@dataclass(frozen=True)
class TlogProof:
    """A parsed tlog-proof: leaf ``index``, inclusion proof ``hashes``, the signed
    ``checkpoint`` note (text, verbatim) and the unauthenticated opaque ``extra`` data."""

    index: int
    hashes: tuple[bytes, ...]
    checkpoint: str
    extra: bytes | None = None


def _b64(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).decode("ascii")  # base64.b64encode's own


def format_tlog_proof(
    index: int,
    proof: Sequence[bytes],
    checkpoint_note: str,
    extra: bytes | None = None,
) -> str:
    """Return the tlog-proof text for leaf ``index`` with inclusion ``proof`` in the tree of
    the signed ``checkpoint_note``, with optional opaque ``extra`` data (``b""`` gives an
    empty ``extra`` line; ``None`` omits it).

    Raises :class:`TlogProofError` for an index outside uint64, a hash that is not 32 bytes,
    or a checkpoint note that is empty or lacks its final newline.
    """
    if not 0 <= index <= _MAX_INDEX:
        raise TlogProofError(f"index {index} is not a uint64")
    if any(len(h) != HASH_SIZE for h in proof):
        raise TlogProofError(f"every proof hash must be {HASH_SIZE} bytes")
    if not checkpoint_note.endswith("\n"):
        raise TlogProofError("the checkpoint note must end with a newline")
    lines = [TLOG_PROOF_HEADER]
    if extra is not None:
        lines.append(f"extra {_b64(extra)}")
    lines.append(f"index {index}")
    lines.extend(_b64(h) for h in proof)
    return "\n".join(lines) + "\n\n" + checkpoint_note


def parse_tlog_proof(text: str) -> TlogProof:
    """Parse a tlog-proof document (without verifying anything).

    Raises :class:`TlogProofError` if the header is wrong, the ``extra`` data is not base64,
    the ``index`` line is missing or not a canonical uint64 decimal, a proof line is not the
    base64 of 32 bytes, the blank line is missing or the checkpoint is empty.
    """
    pos = 0

    def next_line() -> str:
        nonlocal pos
        end = text.find("\n", pos)
        if end < 0:
            raise TlogProofError("tlog-proof is truncated")
        line = text[pos:end]
        pos = end + 1
        return line

    if next_line() != TLOG_PROOF_HEADER:
        raise TlogProofError(f"tlog-proof must start with {TLOG_PROOF_HEADER!r}")
    line = next_line()
    extra = None
    if line.startswith("extra "):
        try:
            extra = base64.b64decode(line[len("extra ") :].encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise TlogProofError("tlog-proof extra data is not base64") from None
        line = next_line()
    if not line.startswith("index "):
        raise TlogProofError("tlog-proof is missing its index line")
    idx = line[len("index ") :]
    if _INDEX.fullmatch(idx) is None or int(idx) > _MAX_INDEX:
        raise TlogProofError(f"tlog-proof index {idx!r} is not a canonical uint64")
    hashes = []
    while (line := next_line()) != "":
        try:
            h = base64.b64decode(line.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raise TlogProofError("tlog-proof hash line is not base64") from None
        if len(h) != HASH_SIZE:
            raise TlogProofError(f"tlog-proof hash has {len(h)} bytes, want {HASH_SIZE}")
        hashes.append(h)
    checkpoint = text[pos:]
    if not checkpoint:
        raise TlogProofError("tlog-proof has no checkpoint")
    return TlogProof(int(idx), tuple(hashes), checkpoint, extra)


def verify_tlog_proof(
    text: str,
    leaf_hash: bytes,
    verifiers: Sequence[Verifier],
    origin: str | None = None,
) -> Checkpoint:
    """Verify a tlog-proof for the leaf with ``leaf_hash``: open its checkpoint note with the
    trusted ``verifiers`` (and check its ``origin`` if given), then verify the inclusion
    proof against the checkpoint. Returns the checkpoint.

    Witness quorum policies are the caller's business: use
    :func:`~laydown.tlog.checkpoint.open_checkpoint` on ``parse_tlog_proof(text).checkpoint``
    to see which signatures verified.

    Raises :class:`TlogProofError` (malformed document), the :class:`NoteError` family
    (signatures), :class:`CheckpointError` (checkpoint text or origin) or
    :class:`ProofError` (inclusion).
    """
    proof = parse_tlog_proof(text)
    cp, _ = open_checkpoint(proof.checkpoint, verifiers, origin)
    verify_inclusion(leaf_hash, proof.index, cp.size, proof.hashes, cp.root_hash)
    return cp

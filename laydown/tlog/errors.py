"""Exception tree of :mod:`laydown.tlog`.

Every exception raised deliberately by this package derives from :class:`TlogError`, so a
caller can catch the whole family with one ``except`` clause, or a precise subclass.
"""

from __future__ import annotations

__all__ = [
    "CheckpointError",
    "InvalidSignatureError",
    "KeyFormatError",
    "NoteError",
    "ProofError",
    "TileError",
    "TlogError",
    "TlogProofError",
    "UnverifiedNoteError",
]


class TlogError(Exception):
    """Root of every error raised by :mod:`laydown.tlog`."""


class ProofError(TlogError):
    """A Merkle inclusion or consistency proof is invalid, or cannot be built."""


class TileError(TlogError):
    """A tile path is not canonical, or stored tile data is missing, short or inconsistent."""


class NoteError(TlogError):
    """A signed note is malformed (bad framing, bad UTF-8, bad signature line, ...)."""


class UnverifiedNoteError(NoteError):
    """A well-formed note carries no signature from any known (trusted) key."""


class InvalidSignatureError(NoteError):
    """A signature line from a known key (name and key ID match) fails to verify."""

    def __init__(self, name: str, key_id: int) -> None:
        super().__init__(f"invalid signature for key {name}+{key_id:08x}")
        self.name = name
        self.key_id = key_id


class CheckpointError(TlogError):
    """A checkpoint note text does not follow c2sp.org/tlog-checkpoint."""


class KeyFormatError(TlogError):
    """A signer (private) or verifier (public) key string is malformed or inconsistent."""


class TlogProofError(TlogError):
    """A c2sp.org/tlog-proof document is malformed (its proof or note may still be fine)."""

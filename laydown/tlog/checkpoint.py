"""C2SP checkpoints (c2sp.org/tlog-checkpoint): the note text of a signed tree head."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .errors import CheckpointError
from .hashing import HASH_SIZE
from .note import Note, Signer, Verifier, open_note, sign_note

__all__ = ["Checkpoint", "open_checkpoint", "parse_checkpoint", "sign_checkpoint"]

_SIZE = re.compile(r"0|[1-9][0-9]*")
_CONTROL = re.compile(r"[\x00-\x1f]")
_MAX_SIZE = (1 << 64) - 1


@dataclass(frozen=True)
class Checkpoint:
    """A tree head: ``origin`` (log identity), ``size`` (number of leaves), ``root_hash``
    (32-byte RFC 6962 root) and optional non-empty ``extensions`` lines."""

    origin: str
    size: int
    root_hash: bytes
    extensions: tuple[str, ...] = ()

    def to_text(self) -> str:
        """Return the note text ``origin\\nsize\\nbase64(root)\\n[extension\\n...]``.

        Raises :class:`CheckpointError` if the origin or an extension is empty or holds a
        control character, the size is not a uint64 or the root is not 32 bytes.
        """
        if not self.origin or _CONTROL.search(self.origin):
            raise CheckpointError("checkpoint origin must be a non-empty single line")
        if not 0 <= self.size <= _MAX_SIZE:
            raise CheckpointError(f"checkpoint size {self.size} is not a uint64")
        if len(self.root_hash) != HASH_SIZE:
            raise CheckpointError(f"checkpoint root hash must be {HASH_SIZE} bytes")
        for ext in self.extensions:
            if not ext or _CONTROL.search(ext):
                raise CheckpointError("checkpoint extension lines must be non-empty lines")
        root = base64.b64encode(self.root_hash).decode()
        return "".join(
            f"{line}\n" for line in (self.origin, str(self.size), root, *self.extensions)
        )


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint note text (the note body, not the signed note).

    Raises :class:`CheckpointError` unless the text is at least three non-empty
    newline-terminated lines: an origin, a decimal size without leading zeros (at most
    2**64 - 1), the canonical base64 of a 32-byte root, then non-empty extension lines; no
    control characters are allowed.
    """
    if not text.endswith("\n"):
        raise CheckpointError("checkpoint text must end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise CheckpointError("checkpoint text needs origin, size and root hash lines")
    if any(not line for line in lines):
        raise CheckpointError("checkpoint lines must be non-empty")
    if _CONTROL.search(text[:-1].replace("\n", "")):
        raise CheckpointError("checkpoint contains a control character")
    origin, size_s, root_s, *extensions = lines
    if _SIZE.fullmatch(size_s) is None or int(size_s) > _MAX_SIZE:
        raise CheckpointError(f"malformed checkpoint size {size_s!r}")
    try:
        root = base64.b64decode(root_s.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise CheckpointError("checkpoint root hash is not base64") from None
    if len(root) != HASH_SIZE or base64.b64encode(root).decode() != root_s:
        raise CheckpointError("checkpoint root hash is not the base64 of 32 bytes")
    return Checkpoint(origin, int(size_s), root, tuple(extensions))


def sign_checkpoint(cp: Checkpoint, signer: Signer | Sequence[Signer]) -> str:
    """Return ``cp`` as a note signed by ``signer`` (or each of several signers).

    Raises :class:`CheckpointError` for an invalid checkpoint, as :func:`sign_note` otherwise.
    """
    signers = [signer] if isinstance(signer, Signer) else list(signer)
    return sign_note(cp.to_text(), signers)


def open_checkpoint(
    note: bytes | str, verifiers: Sequence[Verifier], origin: str | None = None
) -> tuple[Checkpoint, Note]:
    """Open a signed checkpoint note and parse its text.

    Raises the :class:`NoteError` family as :func:`open_note` does, and
    :class:`CheckpointError` if the text is not a checkpoint or its origin is not ``origin``.
    """
    opened = open_note(note, verifiers)
    cp = parse_checkpoint(opened.text)
    if origin is not None and cp.origin != origin:
        raise CheckpointError(f"checkpoint origin {cp.origin!r} is not {origin!r}")
    return cp, opened

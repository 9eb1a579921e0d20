"""Ed25519 witness cosignatures (c2sp.org/tlog-cosignature, ``cosignature/v1``, type 0x04).

The signature bytes (after the 4-byte key ID of the note signature line) are a big-endian
uint64 POSIX timestamp followed by an Ed25519 signature of::

    cosignature/v1
    time <timestamp>
    <checkpoint note text>
"""

from __future__ import annotations

import time
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from .checkpoint import parse_checkpoint
from .errors import CheckpointError, NoteError
from .note import ALG_COSIGNATURE_V1, Signer, Verifier

__all__ = [
    "CosignatureSigner",
    "CosignatureVerifier",
    "cosignature_message",
    "cosignature_timestamp",
    "generate_cosignature_key",
    "new_cosignature_signer",
]

_MAX_TIMESTAMP = (1 << 63) - 1
_SIG_LEN = 8 + 64


def cosignature_message(timestamp: int, checkpoint_text: bytes) -> bytes:
    """The message an Ed25519 cosignature signs. Raises :class:`ValueError` for a timestamp
    outside ``0..2**63-1``."""
    if not 0 <= timestamp <= _MAX_TIMESTAMP:
        raise ValueError(f"cosignature timestamp {timestamp} out of range")
    return b"cosignature/v1\ntime %d\n" % timestamp + checkpoint_text


def cosignature_timestamp(sig: bytes) -> int:
    """Return the timestamp of a ``cosignature/v1`` signature: either the 72 signature bytes
    (timestamp || Ed25519 signature) or the 76 bytes of a whole signature line's base64
    payload (key ID || timestamp || signature).

    Raises :class:`NoteError` for any other length or a timestamp above 2**63 - 1.
    """
    if len(sig) == 4 + _SIG_LEN:
        sig = sig[4:]
    if len(sig) != _SIG_LEN:
        raise NoteError(f"a cosignature/v1 signature has {_SIG_LEN} bytes, not {len(sig)}")
    ts = int.from_bytes(sig[:8], "big")
    if ts > _MAX_TIMESTAMP:
        raise NoteError("cosignature timestamp exceeds 2**63 - 1")
    return ts


class CosignatureVerifier(Verifier):
    """Verifies Ed25519 ``cosignature/v1`` signatures (vkey type 0x04).

    When used with :func:`~laydown.tlog.note.open_note`, verified signatures carry their
    ``timestamp``.
    """

    alg = ALG_COSIGNATURE_V1

    def verify(self, msg: bytes, sig: bytes) -> bool:
        """True if ``sig`` (timestamp || signature) cosigns the checkpoint text ``msg``."""
        if len(sig) != _SIG_LEN:
            return False
        ts = int.from_bytes(sig[:8], "big")
        if ts > _MAX_TIMESTAMP:
            return False
        return super().verify(cosignature_message(ts, msg), sig[8:])

    def timestamp_of(self, sig: bytes) -> int:
        """The timestamp of a (verified) signature. Raises :class:`NoteError` if malformed."""
        return cosignature_timestamp(sig)


class CosignatureSigner(Signer):
    """Produces Ed25519 ``cosignature/v1`` signatures (type 0x04) of checkpoint texts.

    ``clock`` returns the current POSIX time in seconds (default: the system clock).
    ``sign(msg)`` returns timestamp (8 bytes, big-endian) || Ed25519 signature; the note
    layer prefixes the key ID.
    """

    alg = ALG_COSIGNATURE_V1

    def __init__(
        self,
        name: str,
        private_key: Ed25519PrivateKey | bytes,
        clock: Callable[[], int] | None = None,
    ) -> None:
        """Raises :class:`KeyFormatError` for an invalid name or seed."""
        super().__init__(name, private_key)
        self._clock: Callable[[], int] = clock if clock is not None else _now

    def sign(self, msg: bytes) -> bytes:
        """Cosign the checkpoint text ``msg`` at the clock's current time.

        Raises :class:`CheckpointError` if ``msg`` is not a checkpoint text, and
        :class:`ValueError` if the clock is out of range.
        """
        try:
            text = msg.decode("utf-8")
        except UnicodeDecodeError:
            raise CheckpointError("a cosigned checkpoint must be UTF-8") from None
        parse_checkpoint(text)
        ts = int(self._clock())
        sig = super().sign(cosignature_message(ts, msg))
        return ts.to_bytes(8, "big") + sig


def _now() -> int:
    return int(time.time())


def new_cosignature_signer(skey: str, clock: Callable[[], int] | None = None) -> CosignatureSigner:
    """Parse a type 0x04 signer key ``PRIVATE+KEY+<name>+<id>+base64(0x04 || seed)``.

    Raises :class:`KeyFormatError` if it is malformed or not a cosignature key.
    """
    from .errors import KeyFormatError
    from .note import new_signer

    signer = new_signer(skey)
    if not isinstance(signer, CosignatureSigner):
        raise KeyFormatError("not a cosignature (type 0x04) signer key")
    if clock is not None:
        signer._clock = clock
    return signer


def generate_cosignature_key(name: str) -> tuple[str, str]:
    """Generate a fresh cosigner key; return ``(signer key, verifier key)`` of type 0x04.

    Raises :class:`KeyFormatError` for an invalid name.
    """
    signer = CosignatureSigner(name, Ed25519PrivateKey.generate())
    return signer.signer_key(), signer.verifier_key()

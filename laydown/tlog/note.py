"""C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys, modelled on Go's
``golang.org/x/mod/sumdb/note``.

Key strings::

    signer (private) key:   PRIVATE+KEY+<name>+<hex key ID>+base64(<type> || 32-byte seed)
    verifier (public) key:  <name>+<hex key ID>+base64(<type> || 32-byte public key)

with ``key ID = SHA-256(name || 0x0A || type || public key)[:4]`` (big-endian uint32). Type
0x01 is a plain Ed25519 note signature; type 0x04 is an Ed25519 ``cosignature/v1``
(c2sp.org/tlog-cosignature, see :mod:`laydown.tlog.cosignature`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .errors import (
    InvalidSignatureError,
    KeyFormatError,
    NoteError,
    UnverifiedNoteError,
)

__all__ = [
    "ALG_COSIGNATURE_V1",
    "ALG_ED25519",
    "MAX_SIGNATURES",
    "Note",
    "Signature",
    "Signer",
    "Verifier",
    "add_signatures",
    "generate_key",
    "is_valid_key_name",
    "key_id",
    "new_signer",
    "new_verifier",
    "open_note",
    "sign_note",
]

ALG_ED25519 = 0x01
"""Signature type byte of Ed25519 note signatures."""

ALG_COSIGNATURE_V1 = 0x04
"""Signature type byte of timestamped Ed25519 ``cosignature/v1`` witness cosignatures."""

MAX_SIGNATURES = 100
"""Notes with more signature lines than this are rejected as malformed (as in Go)."""

_SIG_PREFIX = "\u2014 "  # em dash, space
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_HEX8 = re.compile(r"[0-9a-fA-F]{8}")


def is_valid_key_name(name: str) -> bool:
    """True if ``name`` is non-empty and has no Unicode space, no ``+`` and no surrogate."""
    if not name or "+" in name or any(c.isspace() for c in name):
        return False
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return _CONTROL.search(name) is None


def key_id(name: str, alg: int, public_key: bytes) -> int:
    """``SHA-256(name || 0x0A || alg || public_key)[:4]`` as a big-endian uint32."""
    digest = hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([alg]) + public_key).digest()
    return int.from_bytes(digest[:4], "big")


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _b64decode(s: str) -> bytes:
    """Strict standard base64 (RFC 4648 section 4); raises ValueError."""
    try:
        return base64.b64decode(s.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise ValueError(str(exc)) from None


class Verifier:
    """Verifies Ed25519 (type 0x01) note signatures of one named key.

    ``verify(msg, sig)`` gets the note text bytes and the signature without its 4-byte key ID.
    """

    alg: int = ALG_ED25519

    def __init__(self, name: str, public_key: bytes | Ed25519PublicKey) -> None:
        """Raises :class:`KeyFormatError` for an invalid name or a key that is not 32 bytes."""
        if not is_valid_key_name(name):
            raise KeyFormatError(f"invalid key name {name!r}")
        if isinstance(public_key, Ed25519PublicKey):
            public_key = _raw_public(public_key)
        if len(public_key) != 32:
            raise KeyFormatError("an Ed25519 public key is 32 bytes")
        try:
            self._key = Ed25519PublicKey.from_public_bytes(public_key)
        except ValueError as exc:
            raise KeyFormatError(f"invalid Ed25519 public key: {exc}") from None
        self.name = name
        self.public_key = bytes(public_key)
        self.key_id = key_id(name, self.alg, self.public_key)

    @property
    def vkey(self) -> str:
        """The verifier key string ``<name>+<hex id>+base64(type || public key)``."""
        b64 = base64.b64encode(bytes([self.alg]) + self.public_key).decode()
        return f"{self.name}+{self.key_id:08x}+{b64}"

    def verify(self, msg: bytes, sig: bytes) -> bool:
        """True if ``sig`` is a valid signature of ``msg``. Raises nothing."""
        try:
            self._key.verify(sig, msg)
        except InvalidSignature:
            return False
        return True

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.vkey!r})"


class Signer:
    """Produces Ed25519 (type 0x01) note signatures under a key ``name``."""

    alg: int = ALG_ED25519

    def __init__(self, name: str, private_key: Ed25519PrivateKey | bytes) -> None:
        """``private_key`` is a cryptography key or a 32-byte seed.

        Raises :class:`KeyFormatError` for an invalid name or seed.
        """
        if not is_valid_key_name(name):
            raise KeyFormatError(f"invalid key name {name!r}")
        if isinstance(private_key, bytes | bytearray):
            if len(private_key) != 32:
                raise KeyFormatError("an Ed25519 seed is 32 bytes")
            private_key = Ed25519PrivateKey.from_private_bytes(bytes(private_key))
        self._key = private_key
        self.name = name
        self.public_key = _raw_public(private_key.public_key())
        self.key_id = key_id(name, self.alg, self.public_key)

    def sign(self, msg: bytes) -> bytes:
        """Return the signature of ``msg`` (without the key ID). Raises nothing."""
        return self._key.sign(msg)

    def verifier_key(self) -> str:
        """Return the matching verifier key string."""
        b64 = base64.b64encode(bytes([self.alg]) + self.public_key).decode()
        return f"{self.name}+{self.key_id:08x}+{b64}"

    def signer_key(self) -> str:
        """Return the private key string ``PRIVATE+KEY+...`` (handle with care)."""
        seed = self._key.private_bytes_raw()
        b64 = base64.b64encode(bytes([self.alg]) + seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_id:08x}+{b64}"

    def verifier(self) -> Verifier:
        """Return a :class:`Verifier` for this signer's key."""
        return new_verifier(self.verifier_key())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.verifier_key()!r})"


def _parse_key(parts: list[str], what: str) -> tuple[str, int, int, bytes]:
    name, hex_id, b64 = parts
    if not is_valid_key_name(name):
        raise KeyFormatError(f"malformed {what} key: invalid name {name!r}")
    if _HEX8.fullmatch(hex_id) is None:
        raise KeyFormatError(f"malformed {what} key: key ID must be 8 hex digits")
    try:
        raw = _b64decode(b64)
    except ValueError:
        raise KeyFormatError(f"malformed {what} key: bad base64") from None
    if not raw:
        raise KeyFormatError(f"malformed {what} key: empty key")
    return name, int(hex_id, 16), raw[0], raw[1:]


def new_verifier(vkey: str) -> Verifier:
    """Parse a verifier key ``<name>+<hex id>+base64(type || public key)``.

    Type 0x01 gives a :class:`Verifier`, type 0x04 a
    :class:`~laydown.tlog.cosignature.CosignatureVerifier`.
    Raises :class:`KeyFormatError` for malformed keys, unknown types, wrong key lengths and a
    key ID that does not match the name and key.
    """
    parts = vkey.split("+", 2)
    if len(parts) != 3:
        raise KeyFormatError("malformed verifier key: want <name>+<hex id>+<base64 key>")
    name, kid, alg, pub = _parse_key(parts, "verifier")
    verifier: Verifier
    if alg == ALG_ED25519:
        verifier = Verifier(name, pub)
    elif alg == ALG_COSIGNATURE_V1:
        from .cosignature import CosignatureVerifier

        verifier = CosignatureVerifier(name, pub)
    else:
        raise KeyFormatError(f"unsupported verifier key type 0x{alg:02x}")
    if verifier.key_id != kid:
        raise KeyFormatError(f"verifier key ID {kid:08x} does not match the key")
    return verifier


def new_signer(skey: str) -> Signer:
    """Parse a signer key ``PRIVATE+KEY+<name>+<hex id>+base64(type || seed)``.

    Type 0x01 gives a :class:`Signer`, type 0x04 a
    :class:`~laydown.tlog.cosignature.CosignatureSigner` (using the system clock).
    Raises :class:`KeyFormatError` for malformed keys, unknown types, a seed that is not 32
    bytes and a key ID that does not match.
    """
    parts = skey.split("+", 4)
    if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
        raise KeyFormatError("malformed signer key: want PRIVATE+KEY+<name>+<id>+<key>")
    name, kid, alg, seed = _parse_key(parts[2:], "signer")
    if len(seed) != 32:
        raise KeyFormatError("malformed signer key: an Ed25519 seed is 32 bytes")
    signer: Signer
    if alg == ALG_ED25519:
        signer = Signer(name, seed)
    elif alg == ALG_COSIGNATURE_V1:
        from .cosignature import CosignatureSigner

        signer = CosignatureSigner(name, seed)
    else:
        raise KeyFormatError(f"unsupported signer key type 0x{alg:02x}")
    if signer.key_id != kid:
        raise KeyFormatError(f"signer key ID {kid:08x} does not match the key")
    return signer


def generate_key(name: str) -> tuple[str, str]:
    """Generate a fresh Ed25519 note key; return ``(signer key, verifier key)``.

    Raises :class:`KeyFormatError` for an invalid name.
    """
    signer = Signer(name, Ed25519PrivateKey.generate())
    return signer.signer_key(), signer.verifier_key()


# --- notes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    """One signature line: key ``name``, ``key_id`` and the base64 of key ID || signature.

    ``timestamp`` is set for verified ``cosignature/v1`` signatures.
    """

    name: str
    key_id: int
    base64: str
    timestamp: int | None = None

    @property
    def signature(self) -> bytes:
        """The signature bytes, without the 4-byte key ID."""
        return base64.b64decode(self.base64)[4:]

    def line(self) -> str:
        """The signature line, including the final newline."""
        return f"{_SIG_PREFIX}{self.name} {self.base64}\n"


@dataclass
class Note:
    """An opened note: its ``text``, the signatures that verified (``sigs``) and those from
    unknown keys, which were ignored (``unverified_sigs``)."""

    text: str
    sigs: list[Signature] = field(default_factory=list)
    unverified_sigs: list[Signature] = field(default_factory=list)


def _decode_msg(msg: bytes | str) -> str:
    if isinstance(msg, str):
        try:
            msg.encode("utf-8")
        except UnicodeEncodeError:
            raise NoteError("malformed note: not valid UTF-8") from None
        text = msg
    else:
        try:
            text = bytes(msg).decode("utf-8")
        except UnicodeDecodeError:
            raise NoteError("malformed note: not valid UTF-8") from None
    if _CONTROL.search(text):
        raise NoteError("malformed note: contains a control character")
    return text


def _split_note(msg: bytes | str) -> tuple[str, list[Signature]]:
    """Split a note into its text and signature lines, checking the framing only."""
    s = _decode_msg(msg)
    split = s.rfind("\n\n")
    if split < 0:
        raise NoteError("malformed note: no blank line before the signatures")
    text, block = s[: split + 1], s[split + 2 :]
    if not block or not block.endswith("\n"):
        raise NoteError("malformed note: missing signature lines or final newline")
    lines = block[:-1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"malformed note: more than {MAX_SIGNATURES} signatures")
    sigs = []
    for line in lines:
        if not line.startswith(_SIG_PREFIX):
            raise NoteError("malformed note: a signature line must start with an em dash")
        name, sep, b64 = line[len(_SIG_PREFIX) :].partition(" ")
        if not sep or not b64 or not is_valid_key_name(name):
            raise NoteError("malformed note: bad signature line")
        try:
            raw = _b64decode(b64)
        except ValueError:
            raise NoteError("malformed note: signature is not base64") from None
        if len(raw) < 5:
            raise NoteError("malformed note: signature too short")
        sigs.append(Signature(name, int.from_bytes(raw[:4], "big"), b64))
    return text, sigs


def _verifier_map(verifiers: Sequence[Verifier]) -> dict[tuple[str, int], Verifier]:
    known: dict[tuple[str, int], Verifier] = {}
    for v in verifiers:
        key = (v.name, v.key_id)
        other = known.get(key)
        if other is not None and (other.alg, other.public_key) != (v.alg, v.public_key):
            raise NoteError(f"ambiguous verifiers for key {v.name}+{v.key_id:08x}")
        known[key] = v
    return known


def open_note(msg: bytes | str, verifiers: Sequence[Verifier]) -> Note:
    """Parse a signed note and verify its signatures against the known ``verifiers``.

    Signatures from unknown keys (name and key ID not both matching a verifier) are ignored
    and listed in ``unverified_sigs``; repeated signatures are dropped.

    Raises :class:`NoteError` if the note is malformed (invalid UTF-8, a control character,
    no blank line before the signatures, no final newline, a bad signature line, more than
    :data:`MAX_SIGNATURES` lines) or the verifiers are ambiguous;
    :class:`InvalidSignatureError` if a known key's signature fails;
    :class:`UnverifiedNoteError` if no known key signed the note.
    """
    text, sigs = _split_note(msg)
    known = _verifier_map(verifiers)
    note = Note(text)
    text_bytes = text.encode("utf-8")
    seen: set[tuple[str, int]] = set()
    seen_unverified: set[str] = set()
    for sig in sigs:
        v = known.get((sig.name, sig.key_id))
        if v is None:
            if sig.line() not in seen_unverified:
                seen_unverified.add(sig.line())
                note.unverified_sigs.append(sig)
            continue
        if (sig.name, sig.key_id) in seen:
            continue
        seen.add((sig.name, sig.key_id))
        raw = sig.signature
        if not v.verify(text_bytes, raw):
            raise InvalidSignatureError(sig.name, sig.key_id)
        timestamp = getattr(v, "timestamp_of", None)
        if timestamp is not None:
            sig = Signature(sig.name, sig.key_id, sig.base64, timestamp(raw))
        note.sigs.append(sig)
    if not note.sigs:
        raise UnverifiedNoteError("note has no verifiable signature from a known key")
    return note


def _check_text(text: str) -> bytes:
    if not text.endswith("\n"):
        raise NoteError("note text must end with a newline")
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:
        raise NoteError("note text is not valid UTF-8") from None
    if _CONTROL.search(text):
        raise NoteError("note text contains a control character")
    return data


def _sign_lines(data: bytes, signers: Sequence[Signer]) -> list[Signature]:
    out = []
    for s in signers:
        if not is_valid_key_name(s.name):
            raise NoteError(f"invalid signer name {s.name!r}")
        raw = s.key_id.to_bytes(4, "big") + s.sign(data)
        out.append(Signature(s.name, s.key_id, base64.b64encode(raw).decode()))
    return out


def sign_note(text: str, signers: Sequence[Signer]) -> str:
    """Return the signed note: ``text``, a blank line, and one signature line per signer.

    Raises :class:`NoteError` if ``text`` does not end with a newline, is not valid UTF-8 or
    contains a control character, or a signer name is invalid; whatever a signer raises
    (e.g. :class:`CheckpointError` for a cosigner given a text that is not a checkpoint).
    """
    data = _check_text(text)
    return text + "\n" + "".join(sig.line() for sig in _sign_lines(data, signers))


def add_signatures(note: bytes | str, signers: Sequence[Signer]) -> str:
    """Add signatures to an existing signed note, keeping its other signature lines (a line
    of the same key name and ID as a new signer is replaced). Existing signatures are not
    verified here: open the note first if that matters.

    Raises :class:`NoteError` if ``note`` is malformed, like :func:`sign_note` otherwise.
    """
    text, existing = _split_note(note)
    new = _sign_lines(_check_text(text), signers)
    replaced = {(s.name, s.key_id) for s in new}
    kept = [s for s in existing if (s.name, s.key_id) not in replaced]
    return text + "\n" + "".join(s.line() for s in kept + new)

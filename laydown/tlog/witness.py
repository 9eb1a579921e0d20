"""C2SP tlog-witness: the add-checkpoint request, and a witness's decision on it.

The decision logic is storage-agnostic: :class:`Witness` is given a :class:`WitnessState`
whose ``compare_and_set`` must be atomic (check the old size and persist the new checkpoint in
one step), as the specification requires to avoid rolling a log back under concurrent requests.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from .checkpoint import Checkpoint, parse_checkpoint
from .errors import CheckpointError, NoteError, ProofError, TlogError, UnverifiedNoteError
from .hashing import HASH_SIZE
from .note import Signer, Verifier, _split_note, open_note, sign_note
from .proofs import verify_consistency

__all__ = [
    "MAX_PROOF_LINES",
    "SIZE_CONTENT_TYPE",
    "AddCheckpointRequest",
    "Witness",
    "WitnessRequestError",
    "WitnessResponse",
    "WitnessState",
    "format_add_checkpoint",
    "parse_add_checkpoint",
]

MAX_PROOF_LINES = 63
SIZE_CONTENT_TYPE = "text/x.tlog.size"


class WitnessRequestError(TlogError):
    """A malformed add-checkpoint request body (answered with 400 Bad Request)."""


@dataclass(frozen=True)
class AddCheckpointRequest:
    old_size: int
    proof: list[bytes]
    checkpoint: str  # the signed checkpoint note, verbatim


def format_add_checkpoint(old_size: int, proof: Sequence[bytes], checkpoint_note: str) -> bytes:
    """The request body: `old N`, one base64 proof hash per line, a blank line, the note."""
    if old_size < 0:
        raise ValueError("old size must not be negative")
    lines = [f"old {old_size}\n"] + [base64.b64encode(h).decode() + "\n" for h in proof]
    return ("".join(lines) + "\n" + checkpoint_note).encode("utf-8")


def _decimal(text: str) -> int:
    if not text.isdigit() or not text.isascii() or (len(text) > 1 and text[0] == "0"):
        raise WitnessRequestError(f"bad decimal {text!r}")
    return int(text)


def parse_add_checkpoint(body: bytes) -> AddCheckpointRequest:
    """Parse an add-checkpoint body; raise WitnessRequestError if it is malformed."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise WitnessRequestError("request body is not UTF-8") from None
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise WitnessRequestError("no blank line between the proof and the checkpoint")
    lines = head.split("\n")
    first = lines[0]
    if not first.startswith("old "):
        raise WitnessRequestError("the first line must be 'old <size>'")
    old_size = _decimal(first[4:])
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise WitnessRequestError(f"more than {MAX_PROOF_LINES} consistency proof lines")
    proof = []
    for line in lines[1:]:
        try:
            digest = base64.b64decode(line, validate=True)
        except (binascii.Error, ValueError):
            raise WitnessRequestError("a proof line is not base64") from None
        if len(digest) != HASH_SIZE:
            raise WitnessRequestError("a proof line is not a 32-byte hash")
        proof.append(digest)
    return AddCheckpointRequest(old_size=old_size, proof=proof, checkpoint=note)


class WitnessState(Protocol):
    """A witness's memory: the latest cosigned checkpoint per origin."""

    def latest(self, origin: str) -> tuple[int, bytes] | None:
        """(size, root) of the latest checkpoint cosigned for `origin`, or None."""
        ...

    def compare_and_set(
        self, origin: str, old_size: int, checkpoint: Checkpoint, note: str
    ) -> int | None:
        """Atomically: if the stored size is `old_size` (0 when none), store `checkpoint` and
        return None; else return the stored size and store nothing."""
        ...


@dataclass(frozen=True)
class WitnessResponse:
    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"


def _answer(status: int, message: str) -> WitnessResponse:
    return WitnessResponse(status, (message + "\n").encode())


def _conflict(size: int) -> WitnessResponse:
    return WitnessResponse(409, f"{size}\n".encode(), SIZE_CONTENT_TYPE)


class Witness:
    """Decides add-checkpoint requests for the logs it knows, signing with `signer`.

    `logs` maps each known origin to the verifiers of the log's keys.
    """

    def __init__(
        self, signer: Signer, logs: Mapping[str, Sequence[Verifier]], state: WitnessState
    ) -> None:
        self.signer = signer
        self.logs = logs
        self.state = state

    def add_checkpoint(self, body: bytes) -> WitnessResponse:
        """Answer one request with the exact tlog-witness status code."""
        try:
            request = parse_add_checkpoint(body)
            text, _sigs = _split_note(request.checkpoint)
        except (WitnessRequestError, NoteError) as exc:
            return _answer(400, f"malformed request: {exc}")
        origin = text.split("\n", 1)[0]
        verifiers = self.logs.get(origin)
        if not verifiers:
            return _answer(404, f"unknown log origin {origin!r}")
        try:
            open_note(request.checkpoint, verifiers)
        except UnverifiedNoteError:
            return _answer(403, "no signature from a known key of this log")
        except NoteError as exc:
            return _answer(403, f"invalid log signature: {exc}")
        try:
            checkpoint = parse_checkpoint(text)
        except CheckpointError as exc:
            return _answer(400, f"malformed checkpoint: {exc}")
        return self._decide(request, checkpoint)

    def _decide(self, request: AddCheckpointRequest, checkpoint: Checkpoint) -> WitnessResponse:
        if request.old_size > checkpoint.size:
            return _answer(400, "old size is larger than the checkpoint size")
        latest = self.state.latest(checkpoint.origin)
        stored_size, stored_root = latest if latest is not None else (0, b"")
        if request.old_size != stored_size:
            return _conflict(stored_size)
        if request.old_size == 0:
            if request.proof:
                return _answer(422, "the consistency proof must be empty from size 0")
        elif request.old_size == checkpoint.size:
            if stored_root != checkpoint.root_hash or request.proof:
                return _conflict(stored_size)
        else:
            try:
                verify_consistency(
                    request.old_size,
                    checkpoint.size,
                    request.proof,
                    stored_root,
                    checkpoint.root_hash,
                )
            except ProofError as exc:
                return _answer(422, f"the consistency proof does not verify: {exc}")
        conflict = self.state.compare_and_set(
            checkpoint.origin, request.old_size, checkpoint, request.checkpoint
        )
        if conflict is not None:
            return _conflict(conflict)
        line = _cosignature_line(self.signer, checkpoint.to_text())
        return WitnessResponse(200, line.encode())


def _cosignature_line(signer: Signer, text: str) -> str:
    signed = sign_note(text, [signer])
    return signed[len(text) + 1 :]

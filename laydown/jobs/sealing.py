"""Sealing what an import job keeps while it waits (the file, the staged rows) for kinds that
carry personal data (`ImportKind.sealed`): AES-256-GCM under a key derived from the vault's
master key, bound to the job (and the row's number) so a sealed value cannot be moved to
another job or row. A copy of the database without `vault.key` holds no readable name.
Both are dropped when the job ends (done, refused or failed: laydown.jobs.runner)."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

from laydown.jobs.kinds import ImportKind
from laydown.vault import crypto

PURPOSE = b"import-job"
SEALED = "sealed"  # the one key of a sealed staged row's payload


def _key() -> bytes:
    return crypto.derived_key(PURPOSE)


def content_seal(kind: ImportKind, job_id: uuid.UUID, content: bytes) -> bytes:
    """The file as the job keeps it."""
    if not kind.sealed:
        return content
    return crypto.seal(_key(), content, f"job:{job_id}:content".encode())


def content_open(kind: ImportKind, job_id: uuid.UUID, kept: bytes) -> bytes:
    if not kind.sealed:
        return kept
    return crypto.unseal(_key(), kept, f"job:{job_id}:content".encode())


def payload_seal(
    kind: ImportKind, job_id: uuid.UUID, number: int, payload: dict[str, Any]
) -> dict[str, Any]:
    """A staged row's payload as kept: {"sealed": base64 of the sealed JSON} when sealed."""
    if not kind.sealed:
        return payload
    plain = json.dumps(payload, separators=(",", ":")).encode()
    sealed = crypto.seal(_key(), plain, f"job:{job_id}:row:{number}".encode())
    return {SEALED: base64.b64encode(sealed).decode()}


def payload_open(
    kind: ImportKind, job_id: uuid.UUID, number: int, kept: dict[str, Any]
) -> dict[str, Any]:
    if not kind.sealed:
        return kept
    sealed = base64.b64decode(kept[SEALED])
    opened: dict[str, Any] = json.loads(
        crypto.unseal(_key(), sealed, f"job:{job_id}:row:{number}".encode())
    )
    return opened

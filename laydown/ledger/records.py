"""The ledger's own record kinds, and the canonical form every record takes.

A record is `{"v":1,"kind":...,"at":...,"actor":...,"data":{...},"salt":...}`; its leaf data is
the RFC 8785 canonical JSON of that object. The random 256-bit salt keeps the public hash tiles
from revealing anything about a record's content, even a guessable one.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING

import rfc8785

from laydown.core import text
from laydown.core.errors import ValidationError
from laydown.ledger import kinds

if TYPE_CHECKING:
    from laydown.ledger.models import Record

RECORD_VERSION = 1
SALT_BYTES = 32
MAX_RECORD_BYTES = 64 * 1024
# RFC 8785 represents numbers as IEEE doubles: integers beyond 2**53 would not round-trip.
MAX_SAFE_INTEGER = 2**53 - 1

LOG_OPENED = kinds.register(
    "ledger.log_opened",
    description="The log was opened: its origin and the verifier key of its signer.",
)
LIST_EXPORTED = kinds.register(
    "ledger.list_exported",
    description='A list page ("export this list") or a dataset (/reports/export/, or the '
    "operator's `laydown export`, actor system) was exported: {list (the list's name; a "
    "dataset's file name, laydown-<dataset>), format, filter (the query string; empty for a "
    "dataset), rows (a dataset's counted when asked)}; "
    "who exported it is the record's actor.",
)


def rfc3339(at: dt.datetime) -> str:
    """UTC time as RFC 3339 with microseconds, e.g. 2026-11-27T20:36:31.123456Z."""
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def check_data(value: object, path: str = "data") -> None:
    """Records hold objects, lists, strings, integers, booleans and null: never floats."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValidationError(
                    f"{path}: keys must be strings, not {type(key).__name__}",
                    fields={path: "non-string key"},
                )
            check_data(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            check_data(item, f"{path}[{i}]")
    elif isinstance(value, str):
        text.bidi_controls_refuse(value, path)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise ValidationError(
                f"{path}: integer {value} is beyond 2**53; store it as a string",
                fields={path: "integer too large"},
            )
    else:
        raise ValidationError(
            f"{path}: {type(value).__name__} values are not allowed in records; use integers "
            "(for example grams or cents) or strings",
            fields={path: f"{type(value).__name__} not allowed"},
        )


def check_actor(actor: str) -> None:
    if not actor or len(actor) > 100 or any(c.isspace() for c in actor):
        raise ValidationError(
            f"actor {actor!r} must be a pseudonymous id of 1-100 characters without spaces",
            fields={"actor": "invalid"},
        )


def check_kind(kind: str) -> kinds.RecordKind:
    registered = kinds.get(kind)
    if registered is None:
        raise ValidationError(
            f"unknown record kind {kind!r}: register it in its app's records.py",
            fields={"kind": "unknown"},
        )
    return registered


def canonical_record(
    *, kind: str, data: Mapping[str, object], actor: str, at: str, salt: bytes | None = None
) -> bytes:
    """The leaf data of a record. Call check_* first; this only encodes."""
    record = {
        "v": RECORD_VERSION,
        "kind": kind,
        "at": at,
        "actor": actor,
        "data": data,
        "salt": base64.b64encode(salt if salt is not None else os.urandom(SALT_BYTES)).decode(),
    }
    body = canonical_json(record)
    if len(body) > MAX_RECORD_BYTES:
        raise ValidationError(
            f"record of kind {kind!r} is {len(body)} bytes; the limit is {MAX_RECORD_BYTES}. "
            "Store large content as a file and reference it by SHA-256.",
            fields={"data": "too large"},
        )
    return body


# The fast path of RFC 8785. For values check_data accepts (objects with string keys, lists,
# strings, integers within 2**53, booleans, null: no floats) Python's encoder with sorted keys,
# no spaces and ensure_ascii=False writes the same bytes as RFC 8785: the same literals, the
# same escapes (\" \\ \b \f \n \r \t, other controls as lower-case \u00xx, nothing
# else), the same integers. The one difference is key order: RFC 8785 sorts by UTF-16 code
# units, Python by code points, which agree unless a key holds a character beyond U+FFFF. So
# any output with such a character (a 4-byte UTF-8 sequence, lead byte F0-F4) anywhere, and
# anything the encoder refuses (lone surrogates, odd types), goes to the rfc8785 library.
# tests/test_canonical.py checks equality on random records.
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
_BEYOND_BMP = re.compile(rb"[\xf0-\xf4]")


def canonical_json(value: object) -> bytes:
    """RFC 8785 canonical JSON of `value`, which check_data has vetted."""
    try:
        body = _ENCODER.encode(value).encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError):
        return rfc8785.dumps(value)  # type: ignore[arg-type]  # it refuses the same way
    if _BEYOND_BMP.search(body) is not None:
        return rfc8785.dumps(value)  # type: ignore[arg-type]
    return body


def _apply_witness_added(record: Record) -> None:
    from laydown.ledger.models import LogWitness

    d = record.data
    LogWitness.objects.update_or_create(
        name=d["name"], defaults={"vkey": d["vkey"], "url": d["url"], "active": True}
    )


def _apply_witness_removed(record: Record) -> None:
    from laydown.ledger.models import LogWitness

    LogWitness.objects.filter(name=record.data["name"]).update(active=False)


WITNESS_ADDED = kinds.register(
    "ledger.witness_added",
    description="A witness was added: the log pushes its checkpoints there for cosigning.",
    apply=_apply_witness_added,
)
WITNESS_REMOVED = kinds.register(
    "ledger.witness_removed",
    description="A witness was removed from the log's list.",
    apply=_apply_witness_removed,
)
WITNESS_REFUSED = kinds.register(
    "ledger.witness_refused",
    description="A witness refused to cosign a checkpoint (its status and reason).",
)

kinds.register_replayed(["ledger.LogWitness"])
_PUSH_STATE = "The outcome of the latest push to the witness: state, refreshed at the next push."
kinds.register_not_replayed(
    {
        "ledger.Record": "The log itself: what replay reads and checks, never rewrites.",
        "ledger.Tile": "The log's hash tiles: replay checks them against the signed checkpoint.",
        "ledger.Checkpoint": "The log's signed checkpoints and the witnesses' cosignatures: "
        "replay checks the latest, never rewrites them.",
        "ledger.LogHead": "The log's size and root, kept by every append.",
        **{
            f"ledger.LogWitness.{field}": _PUSH_STATE
            for field in ("last_size", "last_status", "last_error", "last_contact_at")
        },
    }
)

"""The ledger in the database: records, hash tiles, checkpoints and the log head.

These tables are written only by `laydown.ledger.services`; everything else reads them.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from laydown.core import labels


class LogHead(models.Model):
    """The single row whose lock serialises appends; `size` is the number of records.

    `edge` is the right edge of the tree (the roots of its perfect subtrees, largest first,
    concatenated): the next root is computed from it and the appended leaves alone.
    `edge_tiles` is the SHA-256 of the partial tiles of the tree (the only tiles an append
    reads), so an append notices tiles changed behind its back. Both are empty for a log
    written before they existed; the first append then reads them from the tiles and checks
    them against the signed checkpoint.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    size = models.BigIntegerField(default=0)
    root = models.BinaryField(max_length=32)
    edge = models.BinaryField(max_length=64 * 32, default=b"")
    edge_tiles = models.BinaryField(max_length=32, default=b"")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="ledger_loghead_single_row"),
            models.CheckConstraint(condition=models.Q(size__gte=0), name="ledger_loghead_size"),
        ]

    def __str__(self) -> str:
        return f"log head at size {self.size}"


class Record(models.Model):
    """One log entry. `body` holds the exact leaf data: the RFC 8785 bytes of the record."""

    index = models.BigIntegerField(primary_key=True)
    kind = models.CharField(max_length=100, db_index=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=100, db_index=True)
    body = models.BinaryField()
    leaf_hash = models.BinaryField(max_length=32)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(index__gte=0), name="ledger_record_index"),
        ]

    def __str__(self) -> str:
        return f"#{self.index} {self.kind}"

    @property
    def payload(self) -> dict[str, Any]:
        """The record as JSON (the body parsed)."""
        parsed: dict[str, Any] = json.loads(bytes(self.body))
        return parsed

    @property
    def data(self) -> dict[str, Any]:
        """The record's `data` object."""
        data: dict[str, Any] = self.payload["data"]
        return data


class Tile(models.Model):
    """A C2SP hash tile of height 8, stored at its current (possibly partial) width."""

    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hashes = models.BinaryField(max_length=256 * 32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["level", "index"], name="ledger_tile_unique"),
        ]

    def __str__(self) -> str:
        return f"tile {self.level}/{self.index} ({len(self.hashes) // 32} hashes)"


class Checkpoint(models.Model):
    """A signed checkpoint for one tree size; witnesses' cosignatures are appended to `note`."""

    size = models.BigIntegerField(primary_key=True)
    root = models.BinaryField(max_length=32)
    note = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    # Names of the witnesses whose cosignatures are in `note`.
    cosigned_by = models.JSONField(default=list)
    cosignatures = models.PositiveSmallIntegerField(default=0)  # len(cosigned_by), for queries

    def __str__(self) -> str:
        return f"checkpoint of size {self.size}"


class LogWitness(models.Model):
    """A witness the log pushes its checkpoints to (C2SP tlog-witness), and how that went."""

    name = models.CharField(max_length=200, unique=True)
    vkey = models.CharField(max_length=300)
    url = models.URLField(max_length=300)
    active = models.BooleanField(default=True)
    last_size = models.BigIntegerField(default=0)
    last_status = models.CharField(max_length=20, default="new")  # new, ok, refused, unreachable
    last_error = models.TextField(blank=True)
    last_contact_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


# A witness's last answer (LogWitness.last_status), as pages show it.
labels.register(
    "ledger.witness_status",
    {
        "new": _("not contacted yet"),
        "ok": _("cosigning"),
        "refused": _("refused"),
        "unreachable": _("unreachable"),
        "current": _("cosigning"),
    },
)

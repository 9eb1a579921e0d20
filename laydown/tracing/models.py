"""Tracing data beside the registry: structured markings, ammunition identification, the point
and circumstances of recovery, and the make/model/calibre vocabulary.

Rows name items and lots by tag (no foreign key into the registry's tables: the registry knows
nothing of tracing, and replay rebuilds both sides independently). Every row is written by an
`apply` in records.py and by nothing else.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from laydown.tracing.vocab import (
    Circumstance,
    LotMarkingKind,
    MarkingKind,
    MarkingLocation,
    MarkingState,
    TermKind,
    TermStatus,
)

TAG = 20
PSEUDONYM = 100


class Marking(models.Model):
    """One marking on a weapon: what it says, where, what kind, in what state, its photo."""

    tag = models.CharField(max_length=TAG)  # the item's tag
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=MarkingKind.choices)
    location = models.CharField(max_length=20, choices=MarkingLocation.choices)
    text = models.CharField(max_length=200, blank=True)  # as it reads, any script
    text_normalised = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=20, choices=MarkingState.choices)
    photo = models.CharField(max_length=64, blank=True)  # SHA-256 of the photo file
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=PSEUDONYM)

    class Meta:
        ordering = ["tag", "position"]
        constraints = [
            models.UniqueConstraint(fields=["tag", "position"], name="tracing_marking_position")
        ]
        indexes = [
            models.Index(fields=["text_normalised"], name="tracing_marking_text"),
            models.Index(fields=["state"], name="tracing_marking_state"),
        ]

    def __str__(self) -> str:
        return f"{self.tag} {self.kind} {self.text}"


class LotMarking(models.Model):
    """A headstamp, a box or crate label or a packing list of an ammunition lot."""

    tag = models.CharField(max_length=TAG)  # the lot's tag
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=LotMarkingKind.choices)
    manufacturer_code = models.CharField(max_length=50, blank=True)  # factory code or name
    year = models.PositiveSmallIntegerField(null=True)
    calibre = models.CharField(max_length=50, blank=True)
    lot_number = models.CharField(max_length=100, blank=True)
    text = models.CharField(max_length=500, blank=True)  # the label or headstamp as it reads
    text_normalised = models.CharField(max_length=500, blank=True)
    photo = models.CharField(max_length=64, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=PSEUDONYM)

    class Meta:
        ordering = ["tag", "position"]
        constraints = [
            models.UniqueConstraint(fields=["tag", "position"], name="tracing_lotmarking_position"),
            models.CheckConstraint(
                condition=Q(year__gte=1800, year__lte=2100), name="tracing_lotmarking_year"
            ),
        ]
        indexes = [models.Index(fields=["text_normalised"], name="tracing_lotmarking_text")]

    def __str__(self) -> str:
        return f"{self.tag} {self.kind} {self.text}"


class Recovery(models.Model):
    """Where and how an item, lot or materiel was recovered. `formation` (the armed formation it
    came from) is shown only to roles with `tracing.provenance_read`."""

    tag = models.CharField(max_length=TAG, primary_key=True)
    lat_micro = models.IntegerField(null=True)
    lon_micro = models.IntegerField(null=True)
    place = models.CharField(max_length=40, blank=True)  # P-code
    circumstance = models.CharField(max_length=20, choices=Circumstance.choices)
    formation = models.CharField(max_length=200, blank=True)
    note = models.CharField(max_length=500, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=PSEUDONYM)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(lat_micro__gte=-90_000_000, lat_micro__lte=90_000_000),
                name="tracing_recovery_lat",
            ),
            models.CheckConstraint(
                condition=Q(lon_micro__gte=-180_000_000, lon_micro__lte=180_000_000),
                name="tracing_recovery_lon",
            ),
        ]

    def __str__(self) -> str:
        return self.tag


class Term(models.Model):
    """A make, model or calibre of the vocabulary: approved, proposed, rejected, or another name
    (`alias`) of an approved term, so that "AK47" and "Kalashnikov AK-47" count as "AK-47"."""

    kind = models.CharField(max_length=10, choices=TermKind.choices)
    value = models.CharField(max_length=100)
    key = models.CharField(max_length=100)  # the value folded: case, spaces, dashes
    status = models.CharField(max_length=10, choices=TermStatus.choices)
    canonical = models.CharField(max_length=100, blank=True)  # for an alias: the approved value
    source = models.CharField(max_length=300, blank=True)
    proposed_by = models.CharField(max_length=PSEUDONYM)
    proposed_at = models.DateTimeField()
    decided_by = models.CharField(max_length=PSEUDONYM, blank=True)
    decided_at = models.DateTimeField(null=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["kind", "value"]
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="tracing_term_key")]
        indexes = [models.Index(fields=["kind", "status"], name="tracing_term_status")]

    def __str__(self) -> str:
        return f"{self.kind} {self.value}"


class TracingRequest(models.Model):
    """A tracing request exported: which items, for whom, why (the file is not kept)."""

    code = models.CharField(max_length=TAG, primary_key=True)
    tags = models.JSONField(default=list)
    recipient = models.CharField(max_length=200)
    purpose = models.CharField(max_length=500)
    at = models.DateTimeField()
    actor = models.CharField(max_length=PSEUDONYM)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return self.code

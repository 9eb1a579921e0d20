"""Observers' accreditations, inspections with their samples and findings, follow-up tasks,
and monitored destruction events. All are projections of `verification.*` ledger records."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from laydown.core import labels


class Accreditation(models.Model):
    """An observer's right to inspect some sites for a period, with the key they sign with."""

    code = models.CharField(max_length=20, primary_key=True)
    observer = models.CharField(max_length=40, db_index=True)  # the user's pseudonym
    organisation = models.CharField(max_length=40)  # organisation code
    vkey = models.CharField(max_length=300)  # signed-note verifier key (Ed25519)
    sites = models.JSONField(default=list)  # site codes; empty = every site
    valid_from = models.DateField()
    valid_until = models.DateField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return self.code


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    SIGNED = "signed", _("Signed")


class Inspection(models.Model):
    code = models.CharField(max_length=20, primary_key=True)
    sites = models.JSONField(default=list)
    planned_for = models.DateField()
    team = models.JSONField(default=list)  # observer pseudonyms
    sample_percent = models.PositiveSmallIntegerField(null=True)
    sample_count = models.PositiveIntegerField(null=True)
    status = models.CharField(max_length=10, choices=InspectionStatus.choices)
    opened_by = models.CharField(max_length=40, blank=True)
    checkpoint_size = models.BigIntegerField(null=True)
    checkpoint_root = models.CharField(max_length=64, blank=True)  # hex
    checkpoint_note = models.TextField(blank=True)
    nonce = models.CharField(max_length=200, blank=True)
    inventory_sha256 = models.CharField(max_length=64, blank=True)
    inventory_size = models.PositiveIntegerField(default=0)
    sample = models.JSONField(default=list)  # item tags, in draw order
    lots = models.JSONField(default=list)  # lot tags at the sites, all counted
    report = models.TextField(blank=True)  # the closing report: plain text, a note's body
    signed_report = models.TextField(blank=True)
    signed_by = models.CharField(max_length=40, blank=True)

    def __str__(self) -> str:
        return self.code


class FindingResult(models.TextChoices):
    FOUND = "found", _("Found as recorded")
    NOT_FOUND = "not_found", _("Not found")
    MISMATCH = "mismatch", _("Found, but not as recorded")


class Finding(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    tag = models.CharField(max_length=20)
    result = models.CharField(max_length=10, choices=FindingResult.choices)
    mismatches = models.JSONField(default=list)  # serial, markings, condition, location, count
    counted = models.BigIntegerField(null=True)  # physical count of a lot
    notes = models.TextField(blank=True)
    photos = models.JSONField(default=list)
    record_index = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["inspection", "tag"], name="verification_finding_once")
        ]

    def __str__(self) -> str:
        return f"{self.inspection_id}/{self.tag}"


class FollowUp(models.Model):
    """A discrepancy found by an inspection, for the programme manager to resolve."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="follow_ups")
    tag = models.CharField(max_length=20)
    summary = models.CharField(max_length=300)
    status = models.CharField(max_length=10, default="open")  # open, resolved
    resolution = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.inspection_id}/{self.tag}"


class DestructionEvent(models.Model):
    code = models.CharField(max_length=20, primary_key=True)
    site = models.CharField(max_length=40)
    method = models.CharField(max_length=30)
    items = models.JSONField(default=list)
    lots = models.JSONField(default=list)
    observers = models.JSONField(default=list)  # pseudonyms of the observers present
    before_photos = models.JSONField(default=list)
    after_photos = models.JSONField(default=list)
    status = models.CharField(max_length=12, default="planned")  # planned, done
    disposal = models.CharField(max_length=20, blank=True)  # the arms disposal code
    statement = models.TextField(blank=True)  # what observers countersign
    countersignatures = models.JSONField(default=list)  # [{observer, note}]

    def __str__(self) -> str:
        return self.code


labels.register("verification.inspection_status", InspectionStatus)
labels.register("verification.finding_result", FindingResult)
labels.register("verification.destruction_status", {"planned": _("Planned"), "done": _("Done")})
labels.register("verification.follow_up_status", {"open": _("Open"), "resolved": _("Resolved")})
labels.register(
    "verification.mismatch",
    {
        "serial": _("serial"),
        "markings": _("markings"),
        "condition": _("condition"),
        "location": _("location"),
    },
)

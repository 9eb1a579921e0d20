"""Humanitarian assistance: projections of the ledger records in records.py.

Nothing here holds personal data: households are named by pseudonyms ("h-…"), which are also
their subjects in the personal-data vault, where names, phones and documents are kept.
Quantities, budgets and coordinates are integers (coordinates in micro-degrees).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from laydown.accounts.models import Organisation
from laydown.assistance.vocab import (
    AgeGroup,
    CommitmentStatus,
    Commodity,
    ComplaintChannel,
    ComplaintStatus,
    MeetingSide,
    PartnerKind,
    PlaceLevel,
    ProjectSector,
    ProjectStatus,
    ReceiptKind,
    Sector,
    Sex,
    Unit,
    VisitStatus,
)


class CodeCounter(models.Model):
    """The last number handed out per code prefix (DI-000001, PR-000001...)."""

    prefix = models.CharField(max_length=8, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}-{self.last:06d}"


class PartnerProfile(models.Model):
    organisation = models.OneToOneField(
        Organisation, on_delete=models.PROTECT, primary_key=True, related_name="partner_profile"
    )
    partner_kind = models.CharField(max_length=20, choices=PartnerKind.choices)
    sectors = models.JSONField(default=list)
    contact = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return str(self.organisation)


class Place(models.Model):
    pcode = models.CharField(max_length=20, primary_key=True)
    name = models.CharField(max_length=120)
    level = models.CharField(max_length=12, choices=PlaceLevel.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    lat_micro = models.IntegerField(null=True, blank=True)
    lon_micro = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["pcode"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level="region", parent__isnull=True)
                | (~Q(level="region") & Q(parent__isnull=False)),
                name="assistance_place_parent_by_level",
            ),
            models.CheckConstraint(
                condition=Q(lat_micro__isnull=True, lon_micro__isnull=True)
                | Q(
                    lat_micro__gte=-90_000_000,
                    lat_micro__lte=90_000_000,
                    lon_micro__gte=-180_000_000,
                    lon_micro__lte=180_000_000,
                ),
                name="assistance_place_coordinates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.pcode})"


class Household(models.Model):
    code = models.CharField(max_length=20, primary_key=True)  # the vault subject, "h-…"
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="households")
    size = models.PositiveIntegerField()
    registered_at = models.DateTimeField()
    registered_by = models.CharField(max_length=100)
    duplicate_of = models.JSONField(default=list)  # households it was confirmed distinct from
    duplicate_override_reason = models.CharField(max_length=500, blank=True)
    duplicate_override_by = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["code"]
        indexes = [models.Index(fields=["organisation", "registered_at"])]

    def __str__(self) -> str:
        return self.code


class HouseholdMember(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="members")
    position = models.PositiveSmallIntegerField()  # 0 is the head
    sex = models.CharField(max_length=1, choices=Sex.choices)
    age_group = models.CharField(max_length=6, choices=AgeGroup.choices)
    specific_needs = models.JSONField(default=list)

    class Meta:
        ordering = ["household", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "position"], name="assistance_member_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.household_id}/{self.position}"


class Distribution(models.Model):
    code = models.CharField(max_length=12, primary_key=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    sector = models.CharField(max_length=20, choices=Sector.choices)
    activity = models.CharField(max_length=200)
    commodity = models.CharField(max_length=12, choices=Commodity.choices)
    item = models.CharField(max_length=120)
    unit = models.CharField(max_length=16, choices=Unit.choices)
    quantity_planned = models.PositiveBigIntegerField()
    quantity_delivered = models.PositiveBigIntegerField()
    over_delivery_reason = models.CharField(max_length=500, blank=True)
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="distributions")
    date = models.DateField()
    girls = models.PositiveIntegerField()
    boys = models.PositiveIntegerField()
    women = models.PositiveIntegerField()
    men = models.PositiveIntegerField()
    older_women = models.PositiveIntegerField()
    older_men = models.PositiveIntegerField()
    reached_total = models.PositiveIntegerField()
    reached_disabled = models.PositiveIntegerField()
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=100)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-date", "-code"]
        indexes = [models.Index(fields=["organisation", "date"]), models.Index(fields=["date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    reached_total=F("girls")
                    + F("boys")
                    + F("women")
                    + F("men")
                    + F("older_women")
                    + F("older_men")
                ),
                name="assistance_distribution_reached_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(reached_disabled__lte=F("reached_total")),
                name="assistance_distribution_disabled_within_total",
            ),
            models.CheckConstraint(
                condition=Q(quantity_delivered__lte=F("quantity_planned"))
                | ~Q(over_delivery_reason=""),
                name="assistance_distribution_over_delivery_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class DistributionRecipient(models.Model):
    distribution = models.ForeignKey(
        Distribution, on_delete=models.CASCADE, related_name="recipients"
    )
    household = models.ForeignKey(Household, on_delete=models.PROTECT)
    receipt_kind = models.CharField(max_length=12, choices=ReceiptKind.choices, blank=True)
    receipt_sha256 = models.CharField(max_length=64, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["distribution", "household"]
        constraints = [
            models.UniqueConstraint(
                fields=["distribution", "household"], name="assistance_recipient_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.distribution_id}/{self.household_id}"


class MonitoringNote(models.Model):
    """A post-distribution monitoring note."""

    distribution = models.ForeignKey(Distribution, on_delete=models.CASCADE, related_name="notes")
    record_index = models.PositiveBigIntegerField(unique=True)
    note = models.TextField()
    satisfied_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=100)

    class Meta:
        ordering = ["record_index"]

    def __str__(self) -> str:
        return f"{self.distribution_id} note {self.record_index}"


class Complaint(models.Model):
    code = models.CharField(max_length=12, primary_key=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    distribution = models.ForeignKey(
        Distribution, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    place = models.ForeignKey(Place, on_delete=models.PROTECT)
    channel = models.CharField(max_length=20, choices=ComplaintChannel.choices)
    description = models.TextField()
    status = models.CharField(max_length=12, choices=ComplaintStatus.choices)
    opened_at = models.DateTimeField()
    opened_by = models.CharField(max_length=100)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-code"]

    def __str__(self) -> str:
        return self.code


class StatusUpdate(models.Model):
    """One step of a record's status history: what the ledger record at `record_index` said.
    A subclass adds the record it belongs to and gives `status` its choices."""

    record_index = models.PositiveBigIntegerField(unique=True)
    status = models.CharField(max_length=12)
    note = models.TextField()
    at = models.DateTimeField()
    actor = models.CharField(max_length=100)

    class Meta:
        abstract = True
        ordering = ["record_index"]


class ComplaintFollowUp(StatusUpdate):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="follow_ups")
    status = models.CharField(max_length=12, choices=ComplaintStatus.choices)

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.status}"


class Project(models.Model):
    code = models.CharField(max_length=12, primary_key=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    name = models.CharField(max_length=200)
    sector = models.CharField(max_length=12, choices=ProjectSector.choices)
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="projects")
    budget = models.PositiveBigIntegerField()  # whole currency units
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=12, choices=ProjectStatus.choices)
    percent_complete = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent_complete__lte=100), name="assistance_project_percent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProjectProgress(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="progress")
    record_index = models.PositiveBigIntegerField(unique=True)
    date = models.DateField()
    status = models.CharField(max_length=12, choices=ProjectStatus.choices)
    percent_complete = models.PositiveSmallIntegerField()
    note = models.TextField(blank=True)
    photos = models.JSONField(default=list)  # SHA-256 of each photo, stored apart
    at = models.DateTimeField()
    actor = models.CharField(max_length=100)

    class Meta:
        ordering = ["record_index"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.percent_complete}%"


class Meeting(models.Model):
    """A dialogue meeting on reintegration."""

    code = models.CharField(max_length=12, primary_key=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)  # the convener
    title = models.CharField(max_length=200)
    date = models.DateField()
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="meetings")
    topics = models.JSONField(default=list)
    outcomes = models.TextField(blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=100)

    class Meta:
        ordering = ["-date", "-code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class MeetingParticipant(models.Model):
    """Who took part, by side and organisation; names are not recorded (see records.py)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    side = models.CharField(max_length=20, choices=MeetingSide.choices)
    organisation = models.CharField(max_length=200)
    count = models.PositiveSmallIntegerField()
    function = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.side})"


class Commitment(models.Model):
    code = models.CharField(max_length=12, primary_key=True)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="commitments")
    text = models.CharField(max_length=500)
    owner_side = models.CharField(max_length=20, choices=MeetingSide.choices)
    owner = models.CharField(max_length=200)  # the organisation or office that promised it
    due = models.DateField()
    status = models.CharField(max_length=12, choices=CommitmentStatus.choices)
    status_note = models.TextField(blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["due", "code"]

    def __str__(self) -> str:
        return self.code


class CommitmentUpdate(StatusUpdate):
    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=12, choices=CommitmentStatus.choices)

    def __str__(self) -> str:
        return f"{self.commitment_id} {self.status}"


class Visit(models.Model):
    """A monitoring visit by a UN office, the ICRC, observers..."""

    code = models.CharField(max_length=12, primary_key=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT)
    purpose = models.CharField(max_length=500)
    planned_start = models.DateField()
    planned_end = models.DateField()
    itinerary = models.JSONField(default=list)  # [{"place": pcode, "date": iso, "note": str}]
    status = models.CharField(max_length=12, choices=VisitStatus.choices)
    findings = models.TextField(blank=True)
    report_sha256 = models.CharField(max_length=64, blank=True)
    report_summary = models.TextField(blank=True)
    planned_at = models.DateTimeField()
    planned_by = models.CharField(max_length=100)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-planned_start", "-code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end__gte=F("planned_start")), name="assistance_visit_dates"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.purpose[:40]}"


class VisitUpdate(StatusUpdate):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=12, choices=VisitStatus.choices)
    note = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.visit_id} {self.status}"

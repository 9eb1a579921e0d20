"""The disarmament registry's projection tables.

Every row here is written by an `apply` function in records.py and by nothing else, so
`laydown ledger replay` rebuilds these tables exactly. Sites, containers, items, lots, materiel,
shipments, stock checks, disposals and incidents use the codes and tags their records name as
primary keys: records can refer to them, and replay reproduces them, without surrogate ids.
Coordinates are integers in micro-degrees because records hold no floats.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from laydown.arms.vocab import (
    AmmoType,
    Category,
    Condition,
    ContainerStatus,
    DisposalMethod,
    HazardDivision,
    IncidentKind,
    ItemStatus,
    LotStatus,
    MaterielType,
    SealStatus,
    ShipmentStatus,
    SiteKind,
    SiteStatus,
    StockCheckKind,
    StockCheckStatus,
    Unit,
)
from laydown.core import labels
from laydown.core.choices import ChoiceLabels

TAG = 20
CODE = 40
PSEUDONYM = 100


class Site(models.Model):
    code = models.SlugField(max_length=CODE, primary_key=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=SiteKind.choices)
    region = models.SlugField(max_length=CODE)
    place = models.CharField(max_length=20, blank=True)  # the P-code of its place, if known
    lat_micro = models.IntegerField(null=True)  # latitude x 10^6
    lon_micro = models.IntegerField(null=True)  # longitude x 10^6
    status = models.CharField(max_length=10, choices=SiteStatus.choices)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lat_micro__gte=-90_000_000, lat_micro__lte=90_000_000),
                name="arms_site_lat",
            ),
            models.CheckConstraint(
                condition=Q(lon_micro__gte=-180_000_000, lon_micro__lte=180_000_000),
                name="arms_site_lon",
            ),
        ]
        indexes = [models.Index(fields=["region"], name="arms_site_region")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Container(models.Model):
    code = models.SlugField(max_length=CODE, primary_key=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="containers")
    racks = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=ContainerStatus.choices, default=ContainerStatus.OPEN
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Seal(models.Model):
    number = models.CharField(max_length=CODE, primary_key=True)
    container = models.ForeignKey(Container, on_delete=models.PROTECT, related_name="seals")
    status = models.CharField(max_length=10, choices=SealStatus.choices)
    applied_at = models.DateTimeField()
    applied_by = models.CharField(max_length=PSEUDONYM)
    broken_at = models.DateTimeField(null=True)
    broken_by = models.CharField(max_length=PSEUDONYM, blank=True)
    broken_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            # A container carries at most one intact seal.
            models.UniqueConstraint(
                fields=["container"], condition=Q(status="applied"), name="arms_seal_one_applied"
            ),
        ]

    def __str__(self) -> str:
        return self.number


class TagCounter(models.Model):
    """The last tag number allocated per prefix ("LD" items, "LA" lots, "SH" shipments ...)."""

    prefix = models.CharField(max_length=4, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.prefix}-{self.last:06d}"


class Disposal(models.Model):
    code = models.CharField(max_length=TAG, primary_key=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="disposals")
    method = models.CharField(max_length=20, choices=DisposalMethod.choices)
    witnesses = models.JSONField(default=list)  # pseudonyms
    reference = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()
    actor = models.CharField(max_length=PSEUDONYM)

    def __str__(self) -> str:
        return self.code


class Item(ChoiceLabels, models.Model):
    """A serialised weapon."""

    tag = models.CharField(max_length=TAG, primary_key=True)
    category = models.CharField(max_length=30, choices=Category.choices)
    make = models.CharField(max_length=100)
    model = models.CharField(max_length=100)
    calibre = models.CharField(max_length=50, blank=True)
    serial = models.CharField(max_length=100, blank=True)  # as printed, any script
    serial_normalised = models.CharField(max_length=100, blank=True)
    markings = models.CharField(max_length=500, blank=True)
    country = models.CharField(max_length=2, blank=True)  # ISO 3166-1 alpha-2
    year = models.PositiveSmallIntegerField(null=True)
    condition = models.CharField(max_length=15, choices=Condition.choices)
    photos = models.JSONField(default=list)  # SHA-256 hex of each photo file
    collected_at = models.DateTimeField()
    collected_site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    collected_by = models.CharField(max_length=PSEUDONYM)
    handed_in_by = models.CharField(max_length=PSEUDONYM, blank=True)
    duplicate_reason = models.CharField(max_length=500, blank=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="items")
    container = models.ForeignKey(
        Container, on_delete=models.PROTECT, related_name="items", null=True
    )
    rack = models.PositiveSmallIntegerField(null=True)
    status = models.CharField(max_length=15, choices=ItemStatus.choices)
    disposal = models.ForeignKey(
        Disposal, on_delete=models.PROTECT, null=True, related_name="items"
    )

    class Meta:
        ordering = ["tag"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=1800, year__lte=2100), name="arms_item_year"
            ),
        ]
        indexes = [
            models.Index(fields=["serial_normalised"], name="arms_item_serial"),
            models.Index(fields=["make", "model"], name="arms_item_make_model"),
            models.Index(fields=["model"], name="arms_item_model"),
            models.Index(fields=["site", "status", "tag"], name="arms_item_site_status"),
            models.Index(fields=["status", "tag"], name="arms_item_status"),
            models.Index(fields=["collected_at"], name="arms_item_collected_at"),
            models.Index(fields=["container", "tag"], name="arms_item_container"),
        ]

    def __str__(self) -> str:
        return self.tag


class AmmoLot(ChoiceLabels, models.Model):
    """Ammunition or explosives of one type, calibre and lot, counted as one quantity."""

    tag = models.CharField(max_length=TAG, primary_key=True)
    type = models.CharField(max_length=15, choices=AmmoType.choices)
    calibre = models.CharField(max_length=50, blank=True)
    lot_number = models.CharField(max_length=100, blank=True)
    quantity = models.PositiveIntegerField()
    unit = models.CharField(max_length=10, choices=Unit.choices)
    hazard_division = models.CharField(max_length=3, choices=HazardDivision.choices)
    compatibility_group = models.CharField(max_length=1)
    condition = models.CharField(max_length=15, choices=Condition.choices)
    collected_at = models.DateTimeField()
    collected_site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    collected_by = models.CharField(max_length=PSEUDONYM)
    handed_in_by = models.CharField(max_length=PSEUDONYM, blank=True)
    photos = models.JSONField(default=list)  # SHA-256 hex of each photo file
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="lots")
    container = models.ForeignKey(
        Container, on_delete=models.PROTECT, related_name="lots", null=True
    )
    status = models.CharField(max_length=20, choices=LotStatus.choices)
    disposal = models.ForeignKey(Disposal, on_delete=models.PROTECT, null=True, related_name="lots")

    class Meta:
        ordering = ["tag"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="arms_lot_quantity"),
        ]
        indexes = [
            models.Index(fields=["site", "status", "tag"], name="arms_lot_site_status"),
            models.Index(fields=["collected_at"], name="arms_lot_collected_at"),
        ]

    def __str__(self) -> str:
        return self.tag


class Materiel(ChoiceLabels, models.Model):
    tag = models.CharField(max_length=TAG, primary_key=True)
    type = models.CharField(max_length=10, choices=MaterielType.choices)
    description = models.CharField(max_length=500)
    quantity = models.PositiveIntegerField()
    identifiers = models.JSONField(default=list)  # plate, chassis or serial numbers
    collected_at = models.DateTimeField()
    collected_by = models.CharField(max_length=PSEUDONYM)
    handed_in_by = models.CharField(max_length=PSEUDONYM, blank=True)
    photos = models.JSONField(default=list)  # SHA-256 hex of each photo file
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="materiel")

    class Meta:
        ordering = ["tag"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="arms_materiel_quantity"),
        ]

    def __str__(self) -> str:
        return self.tag


class Shipment(models.Model):
    code = models.CharField(max_length=TAG, primary_key=True)
    from_site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="shipments_out")
    to_site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="shipments_in")
    status = models.CharField(max_length=15, choices=ShipmentStatus.choices)
    dispatched_at = models.DateTimeField()
    dispatched_by = models.CharField(max_length=PSEUDONYM)
    received_at = models.DateTimeField(null=True)
    received_by = models.CharField(max_length=PSEUDONYM, blank=True)
    declaration = models.TextField(blank=True)  # the receiving custodian's handover declaration
    discrepancies = models.JSONField(default=list)

    class Meta:
        ordering = ["-dispatched_at"]

    def __str__(self) -> str:
        return self.code


class ShipmentLine(models.Model):
    """One item or lot in one sealed crate of a shipment."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    crate = models.CharField(max_length=CODE)
    crate_seal = models.CharField(max_length=CODE)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, null=True, related_name="+")
    lot = models.ForeignKey(AmmoLot, on_delete=models.PROTECT, null=True, related_name="+")
    received = models.BooleanField(null=True)  # None until the shipment is received

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(item__isnull=False, lot__isnull=True)
                | Q(item__isnull=True, lot__isnull=False),
                name="arms_shipmentline_one_thing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id} {self.crate} {self.item_id or self.lot_id}"


class StockCheck(models.Model):
    code = models.CharField(max_length=TAG, primary_key=True)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="stock_checks")
    kind = models.CharField(max_length=10, choices=StockCheckKind.choices)
    status = models.CharField(max_length=15, choices=StockCheckStatus.choices)
    seed = models.CharField(max_length=64)  # hex: from the checkpoint the sample was drawn at
    checkpoint_size = models.BigIntegerField()
    planned_at = models.DateTimeField()
    planned_by = models.CharField(max_length=PSEUDONYM)
    counted_at = models.DateTimeField(null=True)
    counted_by = models.CharField(max_length=PSEUDONYM, blank=True)
    discrepancies = models.JSONField(default=list)

    class Meta:
        ordering = ["-planned_at"]

    def __str__(self) -> str:
        return self.code


class StockCheckLine(models.Model):
    stock_check = models.ForeignKey(StockCheck, on_delete=models.CASCADE, related_name="lines")
    container = models.ForeignKey(Container, on_delete=models.PROTECT, null=True, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    found = models.BooleanField(null=True)  # None until counted
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["stock_check", "item"], name="arms_stockcheckline_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stock_check_id} {self.item_id}"


class Incident(models.Model):
    code = models.CharField(max_length=TAG, primary_key=True)
    kind = models.CharField(max_length=10, choices=IncidentKind.choices)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, null=True, related_name="incidents")
    lot = models.ForeignKey(AmmoLot, on_delete=models.PROTECT, null=True, related_name="incidents")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="incidents")
    description = models.TextField(blank=True)
    reported_at = models.DateTimeField()
    reported_by = models.CharField(max_length=PSEUDONYM)
    is_open = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.code


class CustodyEvent(models.Model):
    """One ledger record touching one item, lot or materiel: its history, with the proof index."""

    record_index = models.BigIntegerField()
    kind = models.CharField(max_length=60)
    at = models.DateTimeField()
    actor = models.CharField(max_length=PSEUDONYM)
    item = models.ForeignKey(Item, on_delete=models.CASCADE, null=True, related_name="events")
    lot = models.ForeignKey(AmmoLot, on_delete=models.CASCADE, null=True, related_name="events")
    materiel = models.ForeignKey(
        Materiel, on_delete=models.CASCADE, null=True, related_name="events"
    )
    site = models.ForeignKey(Site, on_delete=models.PROTECT, null=True, related_name="+")
    container = models.ForeignKey(Container, on_delete=models.PROTECT, null=True, related_name="+")
    details = models.JSONField(default=dict)

    class Meta:
        ordering = ["record_index", "id"]
        indexes = [
            models.Index(fields=["item", "record_index"], name="arms_event_item"),
            models.Index(fields=["lot", "record_index"], name="arms_event_lot"),
            models.Index(fields=["materiel", "record_index"], name="arms_event_materiel"),
        ]

    def __str__(self) -> str:
        return f"#{self.record_index} {self.kind}"

    @property
    def corrected_fields(self) -> list[tuple[str, object, object]]:
        """(field, previous value, new value) of a correction record, as labels (translated);
        empty for other kinds."""
        changes = self.details.get("changes") or {}
        previous = self.details.get("previous") or {}
        return [
            (
                labels.label("arms.field", field),
                labels.value("arms.field", field, previous.get(field)),
                labels.value("arms.field", field, value),
            )
            for field, value in changes.items()
        ]

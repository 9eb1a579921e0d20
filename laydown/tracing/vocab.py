"""The tracing vocabularies: kinds and places of markings, packaging, how things were recovered.

The values follow the record-keeping practice of ISACS 05.30 (MOSAIC) and iTrace: what a marking
says is data, where it is on the weapon and what kind of mark it is are codes. Labels are for
people and translated; the codes are what records hold.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from laydown.core import labels


class MarkingKind(models.TextChoices):
    SERIAL = "serial", _("Serial number")
    MANUFACTURER = "manufacturer", _("Manufacturer's mark or logo")
    MODEL = "model", _("Model designation")
    COUNTRY = "country", _("Country of manufacture")
    YEAR = "year", _("Year of manufacture")
    IMPORT = "import", _("Import mark")
    PROOF = "proof", _("Proof mark")
    UNIT = "unit", _("Unit or property mark")
    OTHER = "other", _("Other mark")


class MarkingLocation(models.TextChoices):
    # Translators: a part of a firearm (the receiver), not a person who receives.
    RECEIVER = "receiver", _("Receiver")
    BARREL = "barrel", _("Barrel")
    # Translators: a part of a pistol (the slide), not a photo slide.
    SLIDE = "slide", _("Slide")
    # Translators: a part of a pistol (the frame), not a picture frame.
    FRAME = "frame", _("Frame")
    BOLT = "bolt", _("Bolt or bolt carrier")
    TRUNNION = "trunnion", _("Trunnion")
    COVER = "cover", _("Receiver cover")
    MAGAZINE = "magazine", _("Magazine")
    STOCK = "stock", _("Stock or grip")
    OTHER = "other", _("Elsewhere")


class MarkingState(models.TextChoices):
    LEGIBLE = "legible", _("Legible")
    PARTLY = "partly_obliterated", _("Partly obliterated")
    OBLITERATED = "obliterated", _("Obliterated")
    ALTERED = "altered", _("Altered or re-stamped")


# States that flag a weapon for tracing: somebody tried to make it untraceable.
TAMPERED = (MarkingState.PARTLY, MarkingState.OBLITERATED, MarkingState.ALTERED)


class LotMarkingKind(models.TextChoices):
    HEADSTAMP = "headstamp", _("Headstamp")
    PACKAGING = "packaging", _("Box or crate label")
    PACKING_LIST = "packing_list", _("Packing list")


class Circumstance(models.TextChoices):
    VOLUNTARY = "voluntary_hand_in", _("Voluntary hand-in")
    CACHE = "weapons_cache", _("Weapons cache")
    SEIZURE = "seizure", _("Seizure")
    BATTLEFIELD = "battlefield", _("Recovered on a former battlefield")
    OTHER = "other", _("Other")


class TermKind(models.TextChoices):
    MAKE = "make", _("Make")
    MODEL = "model", _("Model")
    CALIBRE = "calibre", _("Calibre")


class TermStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    ALIAS = "alias", _("Another name of")
    REJECTED = "rejected", _("Rejected")


for _name, _choices in (
    ("marking_kind", MarkingKind),
    ("marking_location", MarkingLocation),
    ("marking_state", MarkingState),
    ("lot_marking_kind", LotMarkingKind),
    ("circumstance", Circumstance),
    ("term_kind", TermKind),
    ("term_status", TermStatus),
):
    labels.register(f"tracing.{_name}", _choices)

# The tracing records in a custody history and on the dashboard, and their details.
labels.register(
    "record_kind",
    {
        "tracing.markings_recorded": _("Markings recorded"),
        "tracing.lot_markings_recorded": _("Headstamps and packaging recorded"),
        "tracing.recovery_recorded": _("Recovery recorded"),
    },
)
labels.register(
    "arms.detail",
    {"markings": _("markings"), "circumstance": _("how"), "place": _("place")},
)
labels.register_values("arms.detail", {"circumstance": "tracing.circumstance"})

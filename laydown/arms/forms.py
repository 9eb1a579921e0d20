"""Forms of the registry's pages: they parse input; services validate and decide.

Field names match the services' keyword arguments, so a service's ValidationError lands next
to the field it names (`laydown.accounts.forms.show_service_error`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from laydown.arms import importer
from laydown.arms.models import ShipmentLine, StockCheckLine
from laydown.arms.services import Crate
from laydown.arms.vocab import (
    COMPATIBILITY_GROUPS,
    AmmoType,
    Category,
    Condition,
    DisposalMethod,
    HazardDivision,
    IncidentKind,
    ItemStatus,
    LotStatus,
    MaterielType,
    SiteKind,
    SiteStatus,
    Unit,
)
from laydown.core.errors import ValidationError
from laydown.core.forms import DatePicker, show_service_error

MAX_IMPORT_BYTES = importer.LAYOUT.max_bytes  # about 500,000 rows of CSV
MAX_PHOTO_UPLOAD_BYTES = 10 * 1024 * 1024
IMPORT_TYPES = (".csv", ".xlsx")


def _codes(value: str) -> list[str]:
    """Tags, pseudonyms or codes typed or scanned one per line or separated by spaces/commas."""
    return [v for v in value.replace(",", " ").split() if v]


def _typed(attrs: dict[str, Any] | None = None, **more: Any) -> forms.TextInput:
    """A text input for codes as printed: no autocorrect, capitalisation or autocomplete."""
    return forms.TextInput(
        attrs={
            "autocomplete": "off",
            "autocapitalize": "characters",
            "autocorrect": "off",
            "spellcheck": "false",
            **(attrs or {}),
            **more,
        }
    )


def _handed_in_by(help_text: Any = "") -> forms.CharField:
    """The optional pseudonymous id of who handed something in (never a name)."""
    return forms.CharField(
        label=_("Handed in by (pseudonymous id, optional)"),
        max_length=100,
        required=False,
        widget=_typed(),
        help_text=help_text,
    )


NUMERIC = {"inputmode": "numeric", "pattern": "[0-9]*"}


class ItemForm(forms.Form):
    """One weapon handed in: ordered as a clerk reads the weapon, most-used fields first."""

    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", "—"), *Category.choices],
        widget=forms.Select(attrs={"autofocus": True}),
    )
    make = forms.CharField(
        label=_("Make"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    model = forms.CharField(
        label=_("Model"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    serial = forms.CharField(
        label=_("Serial number (as printed)"),
        max_length=100,
        required=False,
        widget=_typed({"data-scan": "serial"}),
        help_text=_("Leave empty if there is none or it is obliterated."),
    )
    condition = forms.ChoiceField(
        label=_("Condition"),
        choices=Condition.choices,
        initial=Condition.SERVICEABLE,
        widget=forms.RadioSelect,
    )
    calibre = forms.CharField(
        label=_("Calibre"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    markings = forms.CharField(
        label=_("Other markings"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    country = forms.CharField(
        label=_("Country of manufacture (ISO code, e.g. RU)"),
        max_length=2,
        required=False,
        widget=_typed(size=3),
    )
    year = forms.IntegerField(
        label=_("Year of manufacture"), required=False, widget=forms.TextInput(attrs=NUMERIC)
    )
    handed_in_by = _handed_in_by(
        help_text=_("Never a name: the person's id from the demobilization register.")
    )
    photos = forms.FileField(
        label=_("Photo (JPEG, PNG or WebP, at most 10 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    photo_sha = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)
    confirm_duplicate_reason = forms.CharField(
        label=_("Why is this another weapon? (confirm the suspected duplicate)"),
        max_length=500,
        required=False,
        widget=forms.HiddenInput,
    )

    def show_confirmation(self) -> None:
        """After DuplicateSuspected: ask for the reason, in a visible field, focused."""
        self.fields["confirm_duplicate_reason"].widget = forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "off"}
        )
        self.fields["category"].widget.attrs.pop("autofocus", None)

    def duplicate_refused(self, exc: ValidationError, *, asked: bool) -> None:
        """Show DuplicateSuspected and ask for the reason; `asked`: the reason field was already
        on the page (the clerk confirmed without one), so say at it that one is needed."""
        show_service_error(self, exc)
        self.show_confirmation()
        if asked and not self.cleaned_data.get("confirm_duplicate_reason"):
            self.add_error(
                "confirm_duplicate_reason",
                _("Say why this is another weapon, or correct the serial."),
            )

    def service_fields(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("photos", "photo_sha")}
        data["confirm_duplicate_reason"] = data["confirm_duplicate_reason"] or None
        data["handed_in_by"] = data["handed_in_by"] or None
        return data

    def photo_bytes(self) -> bytes | None:
        """The uploaded photo (read one byte past the limit, so the service sees it is too big)."""
        photo: UploadedFile | None = self.cleaned_data.get("photos")
        return None if not photo else photo.read(MAX_PHOTO_UPLOAD_BYTES + 1)

    def keep_photo(self, sha: str) -> None:
        """Carry a stored photo over to the next submission (file inputs do not keep files)."""
        data = QueryDict(mutable=True)
        data.update(self.data)
        data["photo_sha"] = sha
        self.data = data


class LotForm(forms.Form):
    type = forms.ChoiceField(
        label=_("Type"),
        choices=[("", "—"), *AmmoType.choices],
        widget=forms.Select(attrs={"autofocus": True}),
    )
    calibre = forms.CharField(label=_("Calibre"), max_length=50, required=False)
    lot_number = forms.CharField(
        label=_("Lot or batch number, if known"), max_length=100, required=False, widget=_typed()
    )
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, widget=forms.TextInput(attrs=NUMERIC)
    )
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices, widget=forms.RadioSelect)
    hazard_division = forms.ChoiceField(label=_("Hazard division"), choices=HazardDivision.choices)
    compatibility_group = forms.ChoiceField(
        label=_("Compatibility group"), choices=[(g, g) for g in COMPATIBILITY_GROUPS]
    )
    condition = forms.ChoiceField(
        label=_("Condition"), choices=Condition.choices, widget=forms.RadioSelect
    )
    handed_in_by = _handed_in_by()

    def service_fields(self) -> dict[str, Any]:
        return {**self.cleaned_data, "handed_in_by": self.cleaned_data["handed_in_by"] or None}


class MaterielForm(forms.Form):
    type = forms.ChoiceField(
        label=_("Type"),
        choices=MaterielType.choices,
        widget=forms.Select(attrs={"autofocus": True}),
    )
    description = forms.CharField(label=_("Description"), max_length=500)
    quantity = forms.IntegerField(
        label=_("Quantity"), min_value=1, initial=1, widget=forms.TextInput(attrs=NUMERIC)
    )
    identifiers = forms.CharField(
        label=_("Identifiers (plate, chassis or serial numbers; one per line)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
    )
    handed_in_by = _handed_in_by()

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            **data,
            "identifiers": [i.strip() for i in data["identifiers"].splitlines() if i.strip()],
            "handed_in_by": data["handed_in_by"] or None,
        }


def _reason_field() -> forms.CharField:
    return forms.CharField(
        label=_("Reason for the correction"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Say what was wrong and how you know (e.g. serial checked on the weapon)."),
    )


class ItemCorrectForm(ItemForm):
    """The registered fields of a weapon, filled with their current values, and a reason."""

    photos = None  # type: ignore[assignment]
    photo_sha = None  # type: ignore[assignment]
    handed_in_by = None  # type: ignore[assignment]
    reason = _reason_field()

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["confirm_duplicate_reason"] = data["confirm_duplicate_reason"] or None
        return data


class LotCorrectForm(LotForm):
    handed_in_by = None  # type: ignore[assignment]
    reason = _reason_field()

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class MaterielCorrectForm(MaterielForm):
    handed_in_by = None  # type: ignore[assignment]
    reason = _reason_field()

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["identifiers"] = [i.strip() for i in data["identifiers"].splitlines() if i.strip()]
        return data


class _Where(forms.Form):
    """Where a register list's rows are now (site, region) and where they were collected."""

    site = forms.ChoiceField(label=_("Site"), required=False)
    region = forms.ChoiceField(label=_("Region"), required=False)
    collected_site = forms.ChoiceField(label=_("Collected at site"), required=False)
    collected_region = forms.ChoiceField(label=_("Collected in region"), required=False)

    def __init__(
        self,
        *args: Any,
        sites: list[tuple[str, str]],
        regions: list[tuple[str, str]] | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        for name, choices in (
            ("site", sites),
            ("region", regions or []),
            ("collected_site", sites),
            ("collected_region", regions or []),
        ):
            if name in self.fields:
                self.fields[name].choices = [("", _("any")), *choices]  # type: ignore[attr-defined]


class SearchForm(_Where):
    """The item list's filters (GET); every one optional."""

    serial = forms.CharField(label=_("Serial (full or part)"), required=False, widget=_typed())
    serial_start = forms.BooleanField(label=_("Serial starts with it"), required=False)
    tag = forms.CharField(label=_("Tag"), required=False, widget=_typed({"data-scan": "tag"}))
    make = forms.CharField(label=_("Make"), required=False)
    model = forms.CharField(label=_("Model"), required=False)
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("any")), *Category.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("any")), *ItemStatus.choices]
    )
    collected_from = forms.DateField(
        label=_("Collected from"),
        required=False,
        widget=DatePicker(),
    )
    collected_to = forms.DateField(
        label=_("Collected until (inclusive)"),
        required=False,
        widget=DatePicker(),
    )


def _day_field(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class LotSearchForm(_Where):
    """The lot list's filters (GET); dates as in the item list: whole days, both included."""

    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("any")), *AmmoType.choices]
    )
    calibre = forms.CharField(label=_("Calibre"), required=False, max_length=50)
    unit = forms.ChoiceField(
        label=_("Unit"), required=False, choices=[("", _("any")), *Unit.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("any")), *LotStatus.choices]
    )
    collected_from = _day_field(_("Collected from"))
    collected_to = _day_field(_("Collected until (inclusive)"))


class MaterielSearchForm(_Where):
    collected_site = None  # type: ignore[assignment]
    collected_region = None  # type: ignore[assignment]
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("any")), *MaterielType.choices]
    )
    collected_from = _day_field(_("Collected from"))
    collected_to = _day_field(_("Collected until (inclusive)"))


class BookForm(forms.Form):
    container = forms.ChoiceField(label=_("Container"))
    rack = forms.IntegerField(
        label=_("Rack (optional)"), required=False, widget=forms.TextInput(attrs=NUMERIC)
    )

    def __init__(self, *args: Any, containers: list[str], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["container"].choices = [(c, c) for c in containers]  # type: ignore[attr-defined]


class ReturnForm(BookForm):
    condition = forms.ChoiceField(
        label=_("Condition now (if it changed)"),
        required=False,
        choices=[("", _("unchanged")), *Condition.choices],
    )


class RemoveForm(forms.Form):
    by = forms.CharField(label=_("Taken by (pseudonymous id)"), max_length=100, widget=_typed())
    organisation = forms.CharField(label=_("Their organisation"), max_length=100)
    purpose = forms.CharField(label=_("Purpose"), max_length=500)


class LostForm(forms.Form):
    kind = forms.ChoiceField(label=_("What happened"), choices=IncidentKind.choices)
    description = forms.CharField(
        label=_("Description (when, where, who noticed)"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SealApplyForm(forms.Form):
    number = forms.CharField(label=_("Seal number"), max_length=40, widget=_typed())


class SealBreakForm(forms.Form):
    reason = forms.CharField(label=_("Why the seal is broken"), max_length=500)


class DispatchForm(forms.Form):
    to_site = forms.ChoiceField(label=_("To site"))
    crates = forms.CharField(
        label=_("Crates"),
        widget=forms.Textarea(
            attrs={"rows": 6, "autocomplete": "off", "spellcheck": "false", "class": "mono"}
        ),
        help_text=_(
            "One line per crate: the crate code, its seal number, then the tags of the items "
            "and lots in it (typed or scanned), e.g. 'CR-1 S-1001 LD-000001 LD-000002 LA-000003'."
        ),
    )

    def __init__(self, *args: Any, sites: list[tuple[str, str]], **kw: Any) -> None:
        super().__init__(*args, **kw)
        # No destination chosen by default: the first site in the list is rarely the right one.
        choices = [("", _("— choose the receiving site —")), *sites]
        self.fields["to_site"].choices = choices  # type: ignore[attr-defined]

    def clean_crates(self) -> list[Crate]:
        crates, problems = [], []
        for number, line in enumerate(self.cleaned_data["crates"].splitlines(), start=1):
            words = _codes(line)
            if not words:
                continue
            if len(words) < 3:
                problems.append(
                    _("Line %(n)d: give the crate code, its seal and at least one tag.")
                    % {"n": number}
                )
                continue
            code, seal, *tags = words
            items = tuple(t.upper() for t in tags if not t.upper().startswith("LA-"))
            lots = tuple(t.upper() for t in tags if t.upper().startswith("LA-"))
            crates.append(Crate(code=code, seal=seal, items=items, lots=lots))
        if problems:  # every bad line at once, not the first of them
            raise forms.ValidationError(problems)
        return crates


class ReceiveForm(forms.Form):
    """One checkbox per item line, one count per lot line, one 'seal broken' box per crate."""

    declaration = forms.CharField(
        label=_("Handover declaration"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you received, in what state, and that you take custody of it."),
    )

    def __init__(self, *args: Any, lines: list[ShipmentLine], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.lines = lines
        for line in lines:
            if line.item_id:
                self.fields[f"item_{line.item_id}"] = forms.BooleanField(
                    label=line.item_id, required=False, initial=True
                )
            else:
                self.fields[f"lot_{line.lot_id}"] = forms.IntegerField(
                    label=line.lot_id,
                    min_value=0,
                    initial=line.lot.quantity if line.lot else 0,
                    widget=forms.TextInput(attrs=NUMERIC),
                )
        for crate in sorted({line.crate for line in lines}):
            self.fields[f"broken_{crate}"] = forms.BooleanField(label=crate, required=False)

    def rows(self) -> list[tuple[ShipmentLine, Any]]:
        return [
            (ln, self[f"item_{ln.item_id}"] if ln.item_id else self[f"lot_{ln.lot_id}"])
            for ln in self.lines
        ]

    def crate_fields(self) -> list[Any]:
        return [self[name] for name in self.fields if name.startswith("broken_")]

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "received_items": [k[5:] for k, v in data.items() if k.startswith("item_") and v],
            "received_lots": {k[4:]: v for k, v in data.items() if k.startswith("lot_")},
            "broken_seals": [k[7:] for k, v in data.items() if k.startswith("broken_") and v],
            "declaration": data["declaration"],
        }


class StockCheckPlanForm(forms.Form):
    # xgettext:no-python-format
    full = forms.BooleanField(label=_("Full count (instead of a 10% sample)"), required=False)


class StockCheckCountForm(forms.Form):
    unexpected = forms.CharField(
        label=_("Tags found that are not on the list"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, lines: list[StockCheckLine], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.lines = lines
        for line in lines:
            self.fields[f"found_{line.item_id}"] = forms.BooleanField(
                label=line.item_id, required=False
            )
            self.fields[f"note_{line.item_id}"] = forms.CharField(
                label=_("Mismatch (serial, condition, location)"), max_length=500, required=False
            )

    def rows(self) -> list[tuple[StockCheckLine, Any, Any]]:
        return [(ln, self[f"found_{ln.item_id}"], self[f"note_{ln.item_id}"]) for ln in self.lines]

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        found = [k[6:] for k, v in data.items() if k.startswith("found_") and v]
        found += [t.upper() for t in _codes(data["unexpected"])]
        notes = {k[5:]: v for k, v in data.items() if k.startswith("note_") and v}
        return {"found": found, "mismatches": notes}


class DisposalForm(forms.Form):
    method = forms.ChoiceField(label=_("Method"), choices=DisposalMethod.choices)
    tags = forms.CharField(
        label=_("Items and lots (tags)"),
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "off", "spellcheck": "false"}),
    )
    witnesses = forms.CharField(
        label=_("Witnesses (pseudonymous ids)"),
        widget=_typed(),
        help_text=_("At least one, other than yourself; separated by spaces."),
    )
    reference = forms.CharField(
        label=_("Reference (order, report)"), max_length=200, required=False
    )

    def service_fields(self) -> dict[str, Any]:
        tags = [t.upper() for t in _codes(self.cleaned_data["tags"])]
        return {
            "method": self.cleaned_data["method"],
            "items": [t for t in tags if not t.startswith("LA-")],
            "lots": [t for t in tags if t.startswith("LA-")],
            "witnesses": _codes(self.cleaned_data["witnesses"]),
            "reference": self.cleaned_data["reference"],
        }


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV (UTF-8) or XLSX file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    job = forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if not (upload.name or "").lower().endswith(IMPORT_TYPES):
            raise forms.ValidationError(
                _("%(name)s is neither a .csv nor a .xlsx file; save the sheet as one of them.")
                % {"name": upload.name}
            )
        if (upload.size or 0) > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is %(size).1f MB; the limit is %(max)d MB. Split it into parts.")
                % {"size": (upload.size or 0) / 1e6, "max": MAX_IMPORT_BYTES // 1_000_000}
            )
        return upload


# ---- sites and containers (site management) ----------------------------------------------

MICRO = 1_000_000


def _degrees(label: Any, limit: int) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=-limit,
        max_value=limit,
        help_text=_("decimal degrees, e.g. 40.409264"),
    )


class SiteForm(forms.Form):
    """A site's details; `code` and `status` only when it is created."""

    code = forms.SlugField(
        label=_("Code"), max_length=40, help_text=_("lower-case letters, digits and dashes")
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=SiteKind.choices)
    region = forms.SlugField(
        label=_("Region"), max_length=40, help_text=_("the region's code, as in grants")
    )
    place = forms.CharField(
        label=_("Place (P-code)"), max_length=20, required=False, help_text=_("e.g. AZ0101")
    )
    latitude = _degrees(_("Latitude"), 90)
    longitude = _degrees(_("Longitude"), 180)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(SiteStatus.OPEN, SiteStatus.OPEN.label), (SiteStatus.PLANNED, _("Planned"))],
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]
            del self.fields["status"]

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        lat, lon = data.pop("latitude"), data.pop("longitude")
        data["lat_micro"] = None if lat is None else int(lat * MICRO)
        data["lon_micro"] = None if lon is None else int(lon * MICRO)
        return data

    @staticmethod
    def initial_of(site: Any) -> dict[str, Any]:
        def degrees(micro: int | None) -> str:
            return "" if micro is None else f"{micro / MICRO:.6f}"

        return {
            "name": site.name,
            "kind": site.kind,
            "region": site.region,
            "place": site.place,
            "latitude": degrees(site.lat_micro),
            "longitude": degrees(site.lon_micro),
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class DeleteForm(forms.Form):
    reason = forms.CharField(label=_("Why it is deleted"), max_length=500)


class ContainerForm(forms.Form):
    code = forms.SlugField(
        label=_("Container code"), max_length=40, help_text=_("e.g. dep-north-c01")
    )
    racks = forms.IntegerField(label=_("Racks"), min_value=0, max_value=999, initial=0)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["code"]


class SiteGrantForm(forms.Form):
    user = forms.ChoiceField(label=_("User"))
    role = forms.ChoiceField(label=_("Role"))

    def __init__(
        self, *args: Any, users: list[tuple[str, str]], roles: list[tuple[str, Any]], **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        self.fields["user"].choices = users  # type: ignore[attr-defined]
        self.fields["role"].choices = roles  # type: ignore[attr-defined]

"""Forms of the assistance pages: they parse input; services validate and decide."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from laydown.assistance.vocab import (
    REACHED_LABELS,
    CommitmentStatus,
    Commodity,
    ComplaintChannel,
    ComplaintStatus,
    MeetingSide,
    PartnerKind,
    ProjectSector,
    ProjectStatus,
    ReceiptKind,
    Sector,
    Unit,
    VisitStatus,
)
from laydown.core.errors import ValidationError
from laydown.core.forms import DatePicker
from laydown.vault.vocab import LegalBasis

# One byte past the services' limit, so that they see a file is too big and say so.
MAX_UPLOAD_READ = 10 * 1024 * 1024 + 1
DATE = DatePicker()
# The services name organisations "organisation"; the forms call a partner "partner".
FIELD_ALIASES = {"organisation": "partner"}


def show_service_error(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError next to the field it names, else above the form.

    A field named `participants.2.side` belongs to the form's `participants` field. A refusal
    of several fields (`messages`) puts each field's message next to it.
    """
    if exc.messages:
        shown: list[tuple[str | None, str]] = []
        for field, message in exc.messages.items():
            at = _form_field(form, field)
            if (at, message) not in shown:
                form.add_error(at, message)
                shown.append((at, message))
        return
    named = []
    for field in exc.fields:
        at = _form_field(form, field)
        if at is not None and at not in named:
            named.append(at)
    form.add_error(named[0] if named else None, exc.message)


def _form_field(form: forms.Form, field: str) -> str | None:
    for candidate in (field, field.partition(".")[0], FIELD_ALIASES.get(field, "")):
        if candidate in form.fields:
            return candidate
    return None


def read_upload(upload: UploadedFile | None, *, field: str = "photo") -> bytes | None:
    """The upload's bytes, at most one past the services' limit; refused unread if larger."""
    if not upload:
        return None
    if (upload.size or 0) >= MAX_UPLOAD_READ:
        raise ValidationError(
            str(_("The file is %(size)d bytes; it must be 1 byte to 10 MB."))
            % {"size": upload.size},
            fields={field: str(_("too large"))},
        )
    data: bytes = upload.read(MAX_UPLOAD_READ)
    return data


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _parts(line: str, count: int) -> list[str]:
    parts = [p.strip() for p in line.split(";")]
    return (parts + [""] * count)[:count]


class _PartnerAndPlace(forms.Form):
    """A form with `partner` and `place` fields whose choices the view gives."""

    def __init__(
        self,
        *args: object,
        partners: list[tuple[str, str]],
        places: list[tuple[str, str]],
        **kw: object,
    ) -> None:
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.fields["partner"].choices = partners  # type: ignore[attr-defined]
        self.fields["place"].choices = places  # type: ignore[attr-defined]


class DistributionForm(_PartnerAndPlace):
    partner = forms.ChoiceField(label=_("Partner"))
    date = forms.DateField(label=_("Date"), widget=DatePicker())
    place = forms.ChoiceField(label=_("Place"))
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices)
    activity = forms.CharField(label=_("Activity"), max_length=200)
    commodity = forms.ChoiceField(label=_("Commodity or service"), choices=Commodity.choices)
    item = forms.CharField(label=_("Item"), max_length=120)
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices)
    quantity_planned = forms.IntegerField(label=_("Quantity planned"), min_value=0)
    quantity_delivered = forms.IntegerField(label=_("Quantity delivered"), min_value=0)
    over_delivery_reason = forms.CharField(
        label=_("Reason, if more was delivered than planned"), max_length=500, required=False
    )
    girls = forms.IntegerField(label=REACHED_LABELS["girls"], min_value=0, initial=0)
    boys = forms.IntegerField(label=REACHED_LABELS["boys"], min_value=0, initial=0)
    women = forms.IntegerField(label=REACHED_LABELS["women"], min_value=0, initial=0)
    men = forms.IntegerField(label=REACHED_LABELS["men"], min_value=0, initial=0)
    older_women = forms.IntegerField(label=REACHED_LABELS["older_women"], min_value=0, initial=0)
    older_men = forms.IntegerField(label=REACHED_LABELS["older_men"], min_value=0, initial=0)
    reached_total = forms.IntegerField(
        label=_("People reached in total"),
        min_value=0,
        help_text=_("Must equal the sum of the six groups above."),
    )
    reached_disabled = forms.IntegerField(
        label=_("Of whom people with disabilities"), min_value=0, initial=0
    )


class CorrectionForm(DistributionForm):
    reason = forms.CharField(label=_("Reason for the correction"), max_length=500)

    def __init__(self, *args: object, **kw: object) -> None:
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        del self.fields["partner"]


MEMBERS_HELP = _(
    "One member per line, the head first: sex (f or m), age group (0-4, 5-17, 18-59, 60+) and "
    "optional needs joined by '+', e.g. 'f/18-59/single_caregiver'."
)


class HouseholdForm(_PartnerAndPlace):
    partner = forms.ChoiceField(label=_("Partner"))
    place = forms.ChoiceField(label=_("Settlement"))
    head_name = forms.CharField(label=_("Name of the head of household"), max_length=200)
    phone = forms.CharField(label=_("Phone (optional)"), max_length=40, required=False)
    document = forms.CharField(
        label=_("Identity document number (optional)"), max_length=60, required=False
    )
    members = forms.CharField(
        label=_("Members"), widget=forms.Textarea(attrs={"rows": 5}), help_text=MEMBERS_HELP
    )
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices)
    purpose = forms.CharField(label=_("Purpose of keeping the personal data"), max_length=200)
    retain_until = forms.DateField(label=_("Keep the personal data until"), widget=DatePicker())
    override_reason = forms.CharField(
        label=_("Reason it is not a duplicate (programme managers only)"),
        max_length=500,
        required=False,
    )


class PurposeForm(forms.Form):
    purpose = forms.CharField(
        label=_("Why do you need this household's personal data?"),
        max_length=200,
        required=False,  # the service refuses an empty purpose with its own message
        help_text=_("Your reason is recorded in the ledger with the read."),
    )


class ImportForm(forms.Form):
    KINDS = [
        ("distributions", _("Distributions")),
        ("households", _("Households")),
        ("places", _("Places")),
    ]
    kind = forms.ChoiceField(label=_("What the file holds"), choices=KINDS)
    file = forms.FileField(label=_("CSV (UTF-8) or XLSX file"))
    legal_basis = forms.ChoiceField(
        label=_("Legal basis (households)"),
        choices=LegalBasis.choices,
        required=False,
    )
    purpose = forms.CharField(label=_("Purpose (households)"), max_length=200, required=False)
    retain_until = forms.DateField(
        label=_("Keep personal data until (households)"),
        widget=DatePicker(),
        required=False,
    )


class ReceiptForm(forms.Form):
    household = forms.ChoiceField(label=_("Household"))
    receipt_kind = forms.ChoiceField(label=_("Receipt"), choices=ReceiptKind.choices)
    photo = forms.FileField(
        label=_("Photo of the signature or thumbprint (JPEG, PNG or WebP, at most 10 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def __init__(self, *args: Any, households: Sequence[str] = (), **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["household"].choices = [(h, h) for h in households]  # type: ignore[attr-defined]

    def service_fields(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "photo"}
        data["photo"] = read_upload(self.cleaned_data["photo"])
        return data


class ChoicesForm(forms.Form):
    """A form whose organisation and place choices come from the view (the principal's)."""

    def __init__(
        self,
        *args: Any,
        choices: Mapping[str, Sequence[tuple[str, str]]] | None = None,
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        for name, values in (choices or {}).items():
            if name in self.fields:
                self.fields[name].choices = values  # type: ignore[attr-defined]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [] if not data else [super().clean(data, initial)]


# ---- infrastructure projects ---------------------------------------------------------------


class ProjectForm(ChoicesForm):
    partner = forms.ChoiceField(label=_("Partner"))
    name = forms.CharField(label=_("Name"), max_length=200)
    sector = forms.ChoiceField(label=_("Sector"), choices=ProjectSector.choices)
    place = forms.ChoiceField(label=_("Place"))
    budget = forms.IntegerField(label=_("Budget (whole currency units)"), min_value=0)
    currency = forms.CharField(
        label=_("Currency"), max_length=3, initial="USD", help_text=_("ISO 4217, as USD or EUR.")
    )
    status = forms.ChoiceField(label=_("Status"), choices=ProjectStatus.choices)
    percent_complete = forms.IntegerField(
        label=_("Percent complete"), min_value=0, max_value=100, initial=0
    )


class ProjectEditForm(ChoicesForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    sector = forms.ChoiceField(label=_("Sector"), choices=ProjectSector.choices)
    place = forms.ChoiceField(label=_("Place"))
    budget = forms.IntegerField(label=_("Budget (whole currency units)"), min_value=0)
    currency = forms.CharField(label=_("Currency"), max_length=3)
    reason = forms.CharField(label=_("Reason for the change"), max_length=500)


class ProgressForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DATE)
    status = forms.ChoiceField(label=_("Status"), choices=ProjectStatus.choices)
    percent_complete = forms.IntegerField(label=_("Percent complete"), min_value=0, max_value=100)
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=False
    )
    photos = MultipleFileField(
        label=_("Photos (JPEG, PNG or WebP, at most 10 MB each)"), required=False
    )

    def service_fields(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "photos"}
        data["photo_files"] = [
            read_upload(f, field="photos") or b"" for f in self.cleaned_data["photos"]
        ]
        return data


# ---- dialogue ------------------------------------------------------------------------------

SIDES_HELP = _(
    "One side per line: side; organisation; number of people; function (optional). Sides: "
    "government, former_combatants, community, programme, facilitator, observer. Names are not "
    "recorded."
)


class MeetingForm(ChoicesForm):
    organisation = forms.ChoiceField(label=_("Convened by"))
    title = forms.CharField(label=_("Title"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=DATE)
    place = forms.ChoiceField(label=_("Place"))
    topics = forms.CharField(
        label=_("Topics"), widget=forms.Textarea(attrs={"rows": 3}), help_text=_("One per line.")
    )
    participants = forms.CharField(
        label=_("Participants by side and organisation"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=SIDES_HELP,
    )
    outcomes = forms.CharField(
        label=_("Outcomes"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def clean_topics(self) -> list[str]:
        return _lines(self.cleaned_data["topics"])

    def clean_participants(self) -> list[dict[str, str]]:
        sides = {label.casefold(): code for code, label in MeetingSide.choices}
        rows = []
        for line in _lines(self.cleaned_data["participants"]):
            side, organisation, count, function = _parts(line, 4)
            rows.append(
                {
                    "side": sides.get(side.casefold(), side),
                    "organisation": organisation,
                    "count": count or "1",
                    "function": function,
                }
            )
        return rows


class CommitmentForm(forms.Form):
    text = forms.CharField(label=_("What was promised"), max_length=500)
    owner_side = forms.ChoiceField(label=_("Side that promised it"), choices=MeetingSide.choices)
    owner = forms.CharField(label=_("Organisation or office responsible"), max_length=200)
    due = forms.DateField(label=_("Due"), widget=DATE)


class CommitmentFollowUpForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=CommitmentStatus.choices)
    note = forms.CharField(label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3}))


# ---- monitoring visits ---------------------------------------------------------------------


class VisitForm(ChoicesForm):
    organisation = forms.ChoiceField(label=_("Visiting organisation"))
    purpose = forms.CharField(label=_("Purpose"), max_length=500)
    planned_start = forms.DateField(label=_("From"), widget=DATE)
    planned_end = forms.DateField(label=_("To"), widget=DATE)
    itinerary = forms.CharField(
        label=_("Itinerary"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("One stop per line: P-code; date (YYYY-MM-DD); note (optional)."),
    )

    def clean_itinerary(self) -> list[dict[str, str]]:
        stops = []
        for line in _lines(self.cleaned_data["itinerary"]):
            place, date, note = _parts(line, 3)
            stops.append({"place": place, "date": date, "note": note})
        return stops


class VisitUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=VisitStatus.choices)
    planned_start = forms.DateField(
        label=_("New start (when postponed)"), widget=DATE, required=False
    )
    planned_end = forms.DateField(label=_("New end (when postponed)"), widget=DATE, required=False)
    findings = forms.CharField(
        label=_("Findings (once done)"), widget=forms.Textarea(attrs={"rows": 5}), required=False
    )
    report_summary = forms.CharField(
        label=_("Report summary (once done)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    report = forms.FileField(label=_("Report (PDF or image, at most 10 MB)"), required=False)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)

    def service_fields(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "report"}
        data["report"] = read_upload(self.cleaned_data["report"], field="report")
        return data


# ---- partners ------------------------------------------------------------------------------


class PartnerForm(forms.Form):
    partner_kind = forms.ChoiceField(label=_("Kind"), choices=PartnerKind.choices)
    sectors = forms.MultipleChoiceField(
        label=_("Sectors"),
        choices=Sector.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    contact = forms.CharField(
        label=_("Contact (an office, a function or a shared mailbox)"),
        max_length=200,
        required=False,
    )


# ---- recipients, monitoring notes, complaints ----------------------------------------------


class RecipientsForm(forms.Form):
    households = forms.CharField(
        label=_("Households (pseudonyms, h-…)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Separated by spaces, commas or new lines; only your partner's households."),
    )

    def clean_households(self) -> list[str]:
        return [h for h in self.cleaned_data["households"].replace(",", " ").split() if h]


class MonitoringNoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 4}))
    satisfied_percent = forms.IntegerField(
        label=_("Recipients satisfied (percent, optional)"),
        min_value=0,
        max_value=100,
        required=False,
    )


class ComplaintForm(ChoicesForm):
    partner = forms.ChoiceField(label=_("Partner"))
    place = forms.ChoiceField(label=_("Place"))
    distribution = forms.CharField(
        label=_("Distribution (code, optional)"), max_length=12, required=False
    )
    channel = forms.ChoiceField(label=_("Received through"), choices=ComplaintChannel.choices)
    description = forms.CharField(
        label=_("Complaint"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What happened; no names, phone numbers or document numbers."),
    )


class ComplaintFollowUpForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ComplaintStatus.choices)
    note = forms.CharField(label=_("Follow-up"), widget=forms.Textarea(attrs={"rows": 3}))

"""Forms of the assistance pages: they parse input; services validate and decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from laydown.assistance.vocab import (
    REACHED_LABELS,
    Commodity,
    ReceiptKind,
    Sector,
    Unit,
)
from laydown.vault.services import LEGAL_BASES


class DistributionForm(forms.Form):
    partner = forms.ChoiceField(label=_("Partner"))
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
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


class CorrectionForm(DistributionForm):
    reason = forms.CharField(label=_("Reason for the correction"), max_length=500)

    def __init__(self, *args: object, **kw: object) -> None:
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        del self.fields["partner"]


MEMBERS_HELP = _(
    "One member per line, the head first: sex (f or m), age group (0-4, 5-17, 18-59, 60+) and "
    "optional needs joined by '+', e.g. 'f/18-59/single_caregiver'."
)


class HouseholdForm(forms.Form):
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
    legal_basis = forms.ChoiceField(
        label=_("Legal basis"), choices=[(b, b.replace("_", " ")) for b in LEGAL_BASES]
    )
    purpose = forms.CharField(label=_("Purpose of keeping the personal data"), max_length=200)
    retain_until = forms.DateField(
        label=_("Keep the personal data until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    override_reason = forms.CharField(
        label=_("Reason it is not a duplicate (programme managers only)"),
        max_length=500,
        required=False,
    )

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
        choices=[(b, b.replace("_", " ")) for b in LEGAL_BASES],
        required=False,
    )
    purpose = forms.CharField(label=_("Purpose (households)"), max_length=200, required=False)
    retain_until = forms.DateField(
        label=_("Keep personal data until (households)"),
        widget=forms.DateInput(attrs={"type": "date"}),
        required=False,
    )


class ReceiptForm(forms.Form):
    household = forms.CharField(label=_("Household"), max_length=20)
    receipt_kind = forms.ChoiceField(label=_("Receipt"), choices=ReceiptKind.choices)
    photo = forms.FileField(label=_("Photo of the signature or thumbprint"))

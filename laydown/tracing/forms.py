"""Forms of the tracing pages: they parse; services check and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from laydown.tracing.vocab import (
    Circumstance,
    LotMarkingKind,
    MarkingKind,
    MarkingLocation,
    MarkingState,
    TermKind,
    TermStatus,
)

MAX_PHOTO_UPLOAD_BYTES = 10 * 1024 * 1024
_PHOTO_HELP = _("JPEG, PNG or WebP, at most 10 MB")


def _typed() -> forms.TextInput:
    return forms.TextInput(
        attrs={"autocomplete": "off", "autocorrect": "off", "spellcheck": "false"}
    )


class MarkingRow(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of marking"), choices=MarkingKind.choices)
    location = forms.ChoiceField(label=_("Where on the weapon"), choices=MarkingLocation.choices)
    text = forms.CharField(
        label=_("What it reads"), max_length=200, required=False, widget=_typed()
    )
    # Translators: the state of a marking on a weapon (legible, obliterated...), not a country.
    state = forms.ChoiceField(label=_("State"), choices=MarkingState.choices)
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_PHOTO_HELP,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}
        ),
    )
    keep_photo = forms.CharField(required=False, widget=forms.HiddenInput)

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return (
            not data.get("text")
            and data.get("state") == MarkingState.LEGIBLE
            and not data.get("photo")
            and not data.get("keep_photo")
        )


class LotMarkingRow(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of marking"), choices=LotMarkingKind.choices)
    manufacturer_code = forms.CharField(
        label=_("Manufacturer or factory code"), max_length=50, required=False, widget=_typed()
    )
    year = forms.IntegerField(label=_("Year"), min_value=1800, max_value=2100, required=False)
    calibre = forms.CharField(label=_("Calibre"), max_length=50, required=False)
    lot_number = forms.CharField(label=_("Lot number"), max_length=100, required=False)
    text = forms.CharField(
        label=_("What it reads"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    photo = forms.FileField(
        label=_("Photo"),
        required=False,
        help_text=_PHOTO_HELP,
        widget=forms.ClearableFileInput(
            attrs={"accept": "image/jpeg,image/png,image/webp", "capture": "environment"}
        ),
    )
    keep_photo = forms.CharField(required=False, widget=forms.HiddenInput)

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not any(
            data.get(f)
            for f in ("manufacturer_code", "year", "calibre", "lot_number", "text", "photo")
        ) and not data.get("keep_photo")


MarkingFormSet = forms.formset_factory(MarkingRow, extra=3, max_num=30, absolute_max=30)
LotMarkingFormSet = forms.formset_factory(LotMarkingRow, extra=2, max_num=30, absolute_max=30)


class RecoveryForm(forms.Form):
    circumstance = forms.ChoiceField(label=_("How it was recovered"), choices=Circumstance.choices)
    lat = forms.DecimalField(
        label=_("Latitude"),
        max_digits=9,
        decimal_places=6,
        min_value=-90,
        max_value=90,
        required=False,
        help_text=_("Decimal degrees, e.g. 40.123456; filled from the device when allowed."),
    )
    lon = forms.DecimalField(
        label=_("Longitude"),
        max_digits=10,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        required=False,
    )
    place = forms.CharField(label=_("Place (P-code)"), max_length=40, required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    formation = forms.CharField(
        label=_("Formation it came from (protected)"),
        max_length=200,
        required=False,
        help_text=_("Shown only to programme managers, observers and auditors."),
    )

    def micro(self, name: str) -> int | None:
        value = self.cleaned_data.get(name)
        return None if value is None else int(value * 1_000_000)


class ProposeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=TermKind.choices)
    value = forms.CharField(label=_("Name"), max_length=100)
    source = forms.CharField(
        label=_("Source (where the name is printed or documented)"), max_length=300, required=False
    )


class DecideForm(forms.Form):
    kind = forms.ChoiceField(choices=TermKind.choices, widget=forms.HiddenInput)
    value = forms.CharField(max_length=100, widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (TermStatus.APPROVED, _("Approve as a new name")),
            (TermStatus.ALIAS, _("Another name of")),
            (TermStatus.REJECTED, _("Reject")),
        ],
    )
    canonical = forms.CharField(label=_("Approved name"), max_length=100, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Serial, marking, headstamp or lot (full or part)"),
        max_length=100,
        required=False,
        widget=_typed(),
    )


class RequestForm(forms.Form):
    tags = forms.CharField(
        label=_("Items (tags)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Typed or scanned, separated by spaces, commas or new lines; at most 500."),
    )
    recipient = forms.CharField(label=_("Recipient"), max_length=200)
    purpose = forms.CharField(label=_("Purpose"), max_length=500)

    def tag_list(self) -> list[str]:
        text: str = self.cleaned_data["tags"]
        return [t for t in text.replace(",", " ").split() if t]


def rows_of(formset: Any) -> list[dict[str, Any]]:
    """The non-blank rows of a valid formset, as cleaned data."""
    return [f.cleaned_data for f in formset.forms if f.cleaned_data and not f.is_blank()]

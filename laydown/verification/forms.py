"""Forms of the verification pages: they parse input; services validate and decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from laydown.core.forms import DatePicker
from laydown.verification.models import FindingResult
from laydown.verification.selectors import Expected
from laydown.verification.services import MISMATCH_FIELDS, FindingIn


def _codes(value: str) -> list[str]:
    return [v for v in value.replace(",", " ").split() if v]


class PlanForm(forms.Form):
    sites = forms.CharField(label=_("Sites"), help_text=_("Site codes, separated by spaces."))
    planned_for = forms.DateField(label=_("Date"), widget=DatePicker())
    team = forms.MultipleChoiceField(
        label=_("Team"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Observers of the accredited organisations whose accreditation is valid."),
    )
    sample_percent = forms.IntegerField(label=_("Sample (%)"), required=False, min_value=1)
    sample_count = forms.IntegerField(label=_("or sample (items)"), required=False, min_value=1)

    def __init__(self, *args: Any, observers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = observers  # type: ignore[attr-defined]

    def site_list(self) -> list[str]:
        return _codes(self.cleaned_data["sites"])

    def team_list(self) -> list[str]:
        return list(self.cleaned_data["team"])


class OpenForm(forms.Form):
    nonce = forms.CharField(
        label=_("Your nonce"),
        min_length=8,
        max_length=200,
        help_text=_("Words or digits only you chose, now; they decide the sample."),
    )


class FindingForm(forms.Form):
    tag = forms.CharField(widget=forms.HiddenInput)
    result = forms.ChoiceField(label=_("Result"), choices=FindingResult.choices)
    mismatches = forms.MultipleChoiceField(
        label=_("What differs"),
        required=False,
        choices=[(m, m) for m in MISMATCH_FIELDS],
        widget=forms.CheckboxSelectMultiple,
    )
    counted = forms.IntegerField(label=_("Counted"), required=False, min_value=0)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=2000)


class SignedNoteForm(forms.Form):
    signed = forms.CharField(
        label=_("Signed note"),
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=_("Paste what `laydown observer sign` printed."),
    )

    def clean_signed(self) -> str:
        """Browsers send CRLF and pasting may drop the final newline; a note has neither."""
        text = self.cleaned_data["signed"].replace("\r\n", "\n").strip("\n") + "\n"
        return str(text)


class ResolveForm(forms.Form):
    tag = forms.CharField(widget=forms.HiddenInput)
    resolution = forms.CharField(label=_("Resolution"), max_length=1000)


def findings_posted(
    data: QueryDict, rows: list[Expected]
) -> tuple[list[FindingIn], dict[str, str]]:
    """The findings of the one-page form (fields `result-TAG`, `mismatches-TAG`, `counted-TAG`,
    `notes-TAG`); lines left without a result are skipped. Returns them and, per tag, what
    could not even be parsed (a count that is not a number)."""
    findings: list[FindingIn] = []
    problems: dict[str, str] = {}
    for row in rows:
        result = data.get(f"result-{row.tag}", "")
        if not result:
            continue
        counted_text = data.get(f"counted-{row.tag}", "").strip()
        counted = None
        if counted_text:
            if not counted_text.isdigit():
                problems[row.tag] = str(_("The count is a whole number."))
                continue
            counted = int(counted_text)
        findings.append(
            FindingIn(
                tag=row.tag,
                result=result,
                mismatches=tuple(data.getlist(f"mismatches-{row.tag}")),
                counted=counted,
                notes=data.get(f"notes-{row.tag}", ""),
            )
        )
    return findings, problems


class WitnessForm(forms.Form):
    vkey = forms.CharField(
        label=_("Witness's verifier key"),
        max_length=300,
        help_text=_("What `laydown witness key DIR` prints on the witness's machine."),
    )
    url = forms.CharField(
        label=_("Witness's URL"), max_length=300, help_text=_("e.g. https://witness.example.org")
    )


class AccreditForm(forms.Form):
    observer = forms.ChoiceField(label=_("Observer"))
    vkey = forms.CharField(
        label=_("The observer's verifier key"),
        max_length=300,
        help_text=_("Made by `laydown observer keygen` or on the inspection page."),
    )
    sites = forms.CharField(
        label=_("Sites"), required=False, help_text=_("Site codes, separated by spaces; none: all.")
    )
    valid_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, observers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["observer"].choices = observers  # type: ignore[attr-defined]

    def site_list(self) -> list[str]:
        return _codes(self.cleaned_data["sites"])


class RevokeAccreditationForm(forms.Form):
    reason = forms.CharField(label=_("Why it is revoked"), max_length=300)

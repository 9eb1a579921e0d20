"""Forms of the demobilization pages: they parse input; services validate and decide."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from laydown.core.forms import DatePicker
from laydown.people.checks import MAX_PHOTO_BYTES
from laydown.people.importer import MAX_BYTES
from laydown.people.vocab import QUESTIONS, Category, ReferralKind, ReferralStatus, Sex

ANSWER_CHOICES = [("yes", _("Yes")), ("no", _("No")), ("unknown", _("Unknown"))]


def upload_read(upload: UploadedFile, limit: int) -> bytes:
    """At most `limit` + 1 bytes of an upload (its declared size was checked by the form; a
    service checks the length of what was read)."""
    upload.seek(0)
    data: bytes = upload.read(limit + 1)
    return data


def _small(upload: UploadedFile | None, limit: int, message: str) -> UploadedFile | None:
    """The upload, unless its size is over `limit` (checked before anything is read)."""
    if upload is not None and (upload.size is None or upload.size > limit):
        raise forms.ValidationError(message, code="too_large")
    return upload


class RegisterForm(forms.Form):
    name = forms.CharField(label=_("Full name (any script)"), max_length=200)
    born = forms.DateField(label=_("Date of birth"), required=False, widget=DatePicker())
    age = forms.IntegerField(label=_("Age, if the date is unknown"), required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    region = forms.SlugField(label=_("Region code"), max_length=40)
    dependants = forms.IntegerField(label=_("Dependants"), min_value=0, initial=0)
    dependant_of = forms.CharField(
        label=_("Depends on (pseudonym), for dependants"), max_length=24, required=False
    )
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    village = forms.CharField(label=_("Village or town"), max_length=100, required=False)
    education = forms.CharField(label=_("Education"), max_length=100, required=False)
    skills = forms.CharField(label=_("Skills (comma-separated)"), max_length=300, required=False)
    needs = forms.CharField(label=_("Specific needs"), max_length=500, required=False)
    health = forms.CharField(
        label=_("Health (kept apart, stricter access)"), max_length=500, required=False
    )
    photo = forms.FileField(label=_("Photo (JPEG or PNG, at most 150 KB)"), required=False)

    def clean_photo(self) -> UploadedFile | None:
        return _small(
            self.cleaned_data.get("photo"),
            MAX_PHOTO_BYTES,
            gettext("Photo: the photo must be at most 150 KB."),
        )


class ScreenForm(forms.Form):
    joined_on = forms.DateField(label=_("Joined the group on"), required=False)
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("eligible", _("Eligible")), ("ineligible", _("Not eligible"))],
    )
    reason = forms.CharField(
        label=_("Reason (required if the decision differs from the rule)"),
        max_length=500,
        required=False,
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for code, text in QUESTIONS.items():
            self.fields[f"q_{code}"] = forms.ChoiceField(
                label=text, choices=ANSWER_CHOICES, initial="unknown"
            )

    def answers(self) -> dict[str, str]:
        return {code: self.cleaned_data[f"q_{code}"] for code in QUESTIONS}


class ReferralForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ReferralKind.choices)
    service = forms.CharField(label=_("Service"), max_length=200)
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)
    follow_up_due = forms.DateField(label=_("Follow up on"), required=False)


class FollowUpForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ReferralStatus.choices)
    note = forms.CharField(label=_("Note"), max_length=1000, required=False)
    next_due = forms.DateField(label=_("Next follow-up"), required=False)


class CorrectForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=200, required=False)
    born = forms.DateField(label=_("Date of birth"), required=False, widget=DatePicker())
    age = forms.IntegerField(label=_("Age"), required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), *Sex.choices], required=False)
    dependants = forms.IntegerField(label=_("Dependants"), min_value=0, required=False)
    region = forms.SlugField(label=_("Region code"), max_length=40, required=False)
    reason = forms.CharField(label=_("Reason for the correction"), max_length=500)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))

    def clean_file(self) -> UploadedFile | None:
        return _small(
            self.cleaned_data.get("file"),
            MAX_BYTES,
            gettext("File: the file is larger than 20 MB."),
        )

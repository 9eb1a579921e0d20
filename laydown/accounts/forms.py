"""Forms of the account pages: they parse input; services validate and decide."""

from __future__ import annotations

from django import forms
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from laydown.access.permissions import Action
from laydown.access.roles import PROGRAMME, OrgKind, Role
from laydown.accounts.services import MAX_TOKEN_DAYS


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class PasswordChangeForm(forms.Form):
    current = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
    new = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters; not a common password, not all digits."),
    )
    again = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class OrganisationForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("Lower-case letters, digits and dashes; used in scopes and exports."),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrgKind.choices)


class UserForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    name = forms.CharField(
        label=_("Name (optional)"),
        max_length=150,
        required=False,
        help_text=_("Shown to colleagues who may see it, never in the ledger's public files."),
    )
    organisation = forms.ChoiceField(label=_("Organisation"))
    email = forms.EmailField(label=_("E-mail (optional)"), required=False)
    password = forms.CharField(
        label=_("Initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters, not a common password; give it to the user safely."),
    )

    def __init__(self, *args: object, organisations: list[tuple[str, str]], **kw: object) -> None:
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.fields["organisation"].choices = organisations  # type: ignore[attr-defined]


class GrantForm(forms.Form):
    # No role chosen by default: a slip of the hand must not grant Administrator.
    role = forms.ChoiceField(label=_("Role"), choices=[("", _("— choose a role —")), *Role.choices])
    scope = forms.CharField(
        label=_("Scope"),
        max_length=80,
        initial=PROGRAMME,
        # Django renders help text as HTML: escaped, '<code>' is shown, not opened as a tag.
        help_text=escape(_("'programme', 'site:<code>' or 'region:<code>'.")),
    )


class RevokeForm(forms.Form):
    role = forms.CharField(widget=forms.HiddenInput)
    scope = forms.CharField(widget=forms.HiddenInput)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("What uses it, e.g. 'nightly export'.")
    )
    actions = forms.MultipleChoiceField(
        label=_("Actions it may do"), widget=forms.CheckboxSelectMultiple
    )
    days = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=MAX_TOKEN_DAYS, initial=90
    )

    def __init__(self, *args: object, offered: list[Action], **kw: object) -> None:
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.fields["actions"].choices = [  # type: ignore[attr-defined]
            (a.name, a.description) for a in offered
        ]


class ProgrammeForm(forms.Form):
    name = forms.CharField(label=_("Programme name"), max_length=200)
    operator = forms.ChoiceField(label=_("Operator"))
    classification = forms.CharField(
        label=_("Classification marking"),
        max_length=100,
        required=False,
        help_text=_("Printed at the top of every page and document, e.g. RESTRICTED."),
    )
    default_language = forms.ChoiceField(label=_("Default language"))
    languages = forms.MultipleChoiceField(
        label=_("Languages offered"), widget=forms.CheckboxSelectMultiple
    )
    time_zone = forms.CharField(
        label=_("Time zone"), max_length=64, initial="UTC", help_text=_("e.g. Asia/Baku")
    )
    regions = forms.CharField(
        label=_("Regions"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One a line: code | name | P-code, e.g. north | Northern region | AZ01"),
    )
    logo = forms.FileField(
        label=_("Logo (PNG, JPEG or WebP, at most 512 KiB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    def __init__(
        self,
        *args: object,
        operators: list[tuple[str, str]],
        languages: list[tuple[str, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["operator"].choices = operators  # type: ignore[attr-defined]
        self.fields["default_language"].choices = languages  # type: ignore[attr-defined]
        self.fields["languages"].choices = languages  # type: ignore[attr-defined]

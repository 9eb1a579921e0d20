"""The one way pages run a service from a form and show its refusal beside the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied

from laydown.core.errors import ValidationError


def show_service_error(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError next to the field it names (else above the form). A
    refusal of several fields (`messages`) puts each field's message next to it, and above the
    form those of fields the form does not have."""
    if exc.messages:
        shown: list[str] = []
        for field, message in exc.messages.items():
            if field in form.fields:
                form.add_error(field, message)
            elif message not in shown:
                form.add_error(None, message)
            shown.append(message)
        return
    named = [f for f in exc.fields if f in form.fields]
    form.add_error(named[0] if named else None, exc.message)
    for field in named[1:]:
        form.add_error(field, exc.fields[field])


def run_form(
    form: forms.Form, call: Callable[[], Any], *, refusal_on_form: bool = False
) -> tuple[bool, Any]:
    """Validate `form`, then run the service `call`: (True, its result), or (False, None) with
    the reason on the form. PermissionDenied goes on the form too if `refusal_on_form`, else
    it propagates to the 403 page."""
    if not form.is_valid():
        return False, None
    try:
        return True, call()
    except ValidationError as exc:
        show_service_error(form, exc)
    except PermissionDenied as exc:
        if not refusal_on_form:
            raise
        form.add_error(None, str(exc))
    return False, None


class DatePicker(forms.DateInput):
    """A date entered through the browser's date picker (`type=date`), shown in the user's
    locale by the browser. The value travels as ISO 8601 (YYYY-MM-DD) whatever the language:
    the picker needs it so, and Django's localized input formats would write 31.01.2026."""

    input_type = "date"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")

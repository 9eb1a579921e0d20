"""The errors services raise; views and the API turn them into one error shape."""

from __future__ import annotations

from collections.abc import Iterable


class LaydownError(Exception):
    """Base of the errors a user can act on; `code` is stable, the message is for people."""

    code = "error"

    def __init__(
        self,
        message: str,
        *,
        fields: dict[str, str] | None = None,
        messages: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        # A refusal of several fields at once (`refusal_of`): each field's own message, which a
        # page shows beside that field (laydown.core.forms.show_service_error)
        self.messages = messages or {}

    def as_dict(self) -> dict[str, object]:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}


class ValidationError(LaydownError):
    code = "invalid"


class ConfigurationError(LaydownError):
    code = "misconfigured"


def refusal_of(problems: Iterable[LaydownError]) -> ValidationError:
    """One ValidationError for several fields' problems: every field named with its reason,
    the messages one after the other, and each field's own message kept for a page."""
    found = list(problems)
    return ValidationError(
        " ".join(e.message for e in found),
        fields={f: r for e in found for f, r in e.fields.items()},
        messages={f: e.message for e in found for f in e.fields},
    )

"""The errors services raise; views and the API turn them into one error shape."""

from __future__ import annotations


class LaydownError(Exception):
    """Base of the errors a user can act on; `code` is stable, the message is for people."""

    code = "error"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    def as_dict(self) -> dict[str, object]:
        return {"error": {"code": self.code, "message": self.message, "fields": self.fields}}


class ValidationError(LaydownError):
    code = "invalid"


class ConfigurationError(LaydownError):
    code = "misconfigured"

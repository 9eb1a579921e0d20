"""What a page's form says beside a field, for page tests of error messages."""

from __future__ import annotations

import html
from typing import Any


def said_at(response: Any, field: str) -> str:
    """The errors a refused form (400) shows beside `field`, as one string; each is checked to
    be on the page too."""
    assert response.status_code == 400, response.status_code
    errors = response.context["form"].errors
    assert field in errors, errors.as_data()
    page = html.unescape(response.content.decode())
    for message in errors[field]:
        assert message in page, message
    return " ".join(errors[field])

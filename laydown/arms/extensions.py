"""Where other apps add to the registry without the registry importing them.

Tracing (laydown.tracing) registers here at start-up: a serial search also finds items by their
other markings, a make or model filter also finds the other names of the same make or model,
and item and lot pages show a panel of its own. The registry calls what is registered and
knows nothing else of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q
from django.http import HttpRequest

# normalised search text -> a condition on Item (e.g. Q(tag__in=<subquery>))
SerialMatcher = Callable[[str], Q]
# (field: "make" | "model" | "calibre", value) -> the other values meaning the same
Equivalents = Callable[[str, str], list[str]]
# (request, the item or lot shown) -> HTML to show on its page, or ""
Panel = Callable[[HttpRequest, Any], str]

serial_matchers: list[SerialMatcher] = []
equivalents: list[Equivalents] = []
item_panels: list[Panel] = []
lot_panels: list[Panel] = []


def same_values(field: str, value: str) -> list[str]:
    """`value` and every value registered as meaning the same."""
    out = [value]
    for expand in equivalents:
        out.extend(v for v in expand(field, value) if v not in out)
    return out


def panels(kind: list[Panel], request: HttpRequest, thing: Any) -> list[str]:
    return [html for panel in kind if (html := panel(request, thing))]

"""Lookups for the offline app's form templates."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get(mapping: Any, key: str) -> Any:
    """mapping[key], or "" (a kept value, a list of values, a field's error)."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""

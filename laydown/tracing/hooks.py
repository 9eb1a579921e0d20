"""Tracing's additions to the registry's pages and search (laydown.arms.extensions)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string

from laydown.access.web import principal_of
from laydown.arms import extensions
from laydown.tracing import permissions, selectors


def item_panel(request: HttpRequest, item: Any) -> str:
    principal = principal_of(request)
    if not selectors.allowed_at(principal, permissions.READ.name, item.site):
        return ""
    context = {
        "item": item,
        "markings": selectors.markings_of(item.tag),
        "recovery": selectors.recovery_of(item.tag, principal, item.site),
        "can_record": selectors.allowed_at(principal, permissions.RECORD.name, item.site),
    }
    return render_to_string("tracing/_item_panel.html", context, request=request)


def lot_panel(request: HttpRequest, lot: Any) -> str:
    principal = principal_of(request)
    if not selectors.allowed_at(principal, permissions.READ.name, lot.site):
        return ""
    context = {
        "lot": lot,
        "markings": selectors.lot_markings_of(lot.tag),
        "recovery": selectors.recovery_of(lot.tag, principal, lot.site),
        "can_record": selectors.allowed_at(principal, permissions.RECORD.name, lot.site),
    }
    return render_to_string("tracing/_lot_panel.html", context, request=request)


def install() -> None:
    """Register once (AppConfig.ready)."""
    if selectors.marking_matcher in extensions.serial_matchers:
        return
    extensions.serial_matchers.append(selectors.marking_matcher)
    extensions.equivalents.append(selectors.equivalents)
    extensions.item_panels.append(item_panel)
    extensions.lot_panels.append(lot_panel)

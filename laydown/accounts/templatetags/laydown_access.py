"""`{% allowed "action" as flag %}`: templates ask the permission matrix, never decide."""

from __future__ import annotations

from django import template

from laydown.access import navigation
from laydown.access.permissions import is_allowed
from laydown.access.web import principal_of

register = template.Library()


@register.simple_tag(takes_context=True)
def allowed(context: template.Context, action: str) -> bool:
    request = context.get("request")
    if request is None or not hasattr(request, "user"):
        return False  # error pages rendered without a request: show no links that need rights
    return is_allowed(principal_of(request), action)


@register.simple_tag(takes_context=True)
def nav_links(context: template.Context) -> list[navigation.NavLink]:
    """`{% nav_links as links %}`: the header's sections the user may open."""
    request = context.get("request")
    if request is None or not hasattr(request, "user"):
        return []
    return navigation.nav_links(request)

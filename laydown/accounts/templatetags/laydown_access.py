"""`{% allowed "action" as flag %}` and `{% may_open "app:page" as flag %}`: templates ask the
permission matrix, never decide."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse

from laydown.access import navigation
from laydown.access.permissions import is_allowed
from laydown.access.web import may_open as page_lets_in
from laydown.access.web import principal_of

register = template.Library()


@register.simple_tag(takes_context=True)
def allowed(context: template.Context, action: str) -> bool:
    request = context.get("request")
    if request is None or not hasattr(request, "user"):
        return False  # error pages rendered without a request: show no links that need rights
    return is_allowed(principal_of(request), action)


@register.simple_tag(takes_context=True)
def may_open(context: template.Context, url_name: str, *args: Any) -> bool:
    """`{% may_open "people:duplicates" as can_duplicates %}`: whether the page that URL name
    (with `args`) leads to lets the user in, by the action and scope its view declares
    (`web.may_open`, as the header asks): a menu link or a button shown only when it is true
    never leads to a 403, and cannot drift from the view's own check."""
    request = context.get("request")
    if request is None or not hasattr(request, "user"):
        return False
    return page_lets_in(principal_of(request), reverse(url_name, args=args))


@register.simple_tag(takes_context=True)
def nav_links(context: template.Context) -> list[navigation.NavLink]:
    """`{% nav_links as links %}`: the header's sections the user may open."""
    request = context.get("request")
    if request is None or not hasattr(request, "user"):
        return []
    return navigation.nav_links(request)

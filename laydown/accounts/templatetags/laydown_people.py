"""`{% person record.actor %}`: a user named by a record's pseudonym, shown as the viewer may see
them (by name, or by role and pseudonym: accounts.selectors.PeopleDirectory). One directory per
request, kept on the request, so a long list asks the database once."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from laydown.accounts.models import User
from laydown.accounts.selectors import PeopleDirectory

register = template.Library()


def directory(context: template.Context) -> PeopleDirectory:
    request = context.get("request")
    if request is None:
        return PeopleDirectory(None)  # no viewer (an error page): nobody by name
    found = getattr(request, "_laydown_people", None)
    if found is None:
        user = getattr(request, "user", None)
        found = PeopleDirectory(user if isinstance(user, User) else None)
        request._laydown_people = found
    return found


@register.simple_tag(takes_context=True)
def person(context: template.Context, pseudonym: Any) -> SafeString:
    return directory(context).shown(str(pseudonym or ""))


@register.simple_tag(takes_context=True)
def people(context: template.Context, pseudonyms: Iterable[Any] | None) -> SafeString:
    """A list of pseudonyms (a team, the witnesses) as people, separated by commas."""
    shown = directory(context)
    return format_html_join(", ", "{}", ((shown.shown(str(p)),) for p in pseudonyms or ()))

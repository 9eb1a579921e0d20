"""Reads behind the accounts API. Each takes the principal when what it returns depends on it."""

from __future__ import annotations

from django.db.models import QuerySet

from laydown.access.permissions import Principal, is_allowed
from laydown.accounts.models import ApiToken, Organisation, User


def organisation_list() -> QuerySet[Organisation]:
    return Organisation.objects.order_by("code")


def organisation_visible(*, principal: Principal, code: str) -> Organisation | None:
    """The organisation if `principal` may see it; another's looks exactly like a missing one."""
    org = Organisation.objects.filter(code=code).first()
    if org is None or not is_allowed(principal, "accounts.org_view", organisation_id=org.pk):
        return None
    return org


def user_list() -> QuerySet[User]:
    return (
        User.objects.select_related("organisation").prefetch_related("grants").order_by("username")
    )


def user_by_pseudonym(pseudonym: str) -> User | None:
    return user_list().filter(pseudonym=pseudonym).first()


def token_list_own(*, principal: Principal) -> QuerySet[ApiToken]:
    if principal.user_id is None:
        return ApiToken.objects.none()
    return (
        ApiToken.objects.filter(user_id=principal.user_id)
        .select_related("organisation")
        .order_by("-created_at", "public_id")
    )


def token_revocable(*, principal: Principal, public_id: str) -> ApiToken | None:
    """An active token that `principal` may revoke: its own, or any for those allowed."""
    tokens = ApiToken.objects.filter(public_id=public_id, revoked_at=None)
    if not is_allowed(principal, "accounts.token_revoke_any"):
        if principal.user_id is None:
            return None
        tokens = tokens.filter(user_id=principal.user_id)
    return tokens.first()

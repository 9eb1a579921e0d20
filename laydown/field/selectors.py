"""Reads of field capture: devices, submissions, the review queue."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from laydown.access.permissions import ACTIONS, Principal, grants_for, is_allowed
from laydown.access.roles import PROGRAMME, Scope, scopes_of_grants
from laydown.accounts import selectors as accounts
from laydown.accounts.models import RoleGrant, User
from laydown.field import kinds
from laydown.field.models import Device, Submission, SubmissionStatus


def submissions_received(ids: list[str]) -> set[str]:
    """Which of the submission ids (UUIDs as text) were received before: written, waiting for
    review or rejected (a submission sent back to its clerk may come again)."""
    rows = Submission.objects.filter(id__in=[uuid.UUID(i) for i in ids]).exclude(
        status=SubmissionStatus.SENT_BACK
    )
    return {str(sid) for sid in rows.values_list("id", flat=True)}


def device_of_secret(secret: str) -> Device | None:
    """The device whose credential is `secret`, whatever its state (revoked ones too)."""
    token = accounts.token_by_secret(secret)
    if token is None:
        return None
    return Device.objects.filter(token=token.public_id).first()


def device_get(public_id: str) -> Device | None:
    return Device.objects.filter(public_id=public_id).first()


def devices_list(principal: Principal | None = None) -> QuerySet[Device]:
    """Every enrolled device, with its user's username (`username`; None if the user is gone);
    given `principal`, only those of the users whose devices it manages (`users_managed`)."""
    owner = User.objects.filter(pseudonym=OuterRef("user")).values("username")[:1]
    rows = Device.objects.annotate(username=Subquery(owner))
    managed = users_managed(principal) if principal is not None else None
    if managed is not None:
        rows = rows.filter(user__in=managed.values("pseudonym"))
    return rows


def users_managed(principal: Principal) -> QuerySet[User] | None:
    """The active users for whom `principal` may enrol a device: None for a programme grant
    (everyone); for a field supervisor, those whose field grants all lie within their sites
    and regions (the rule of `device_user_refusal`; here with three queries for all users)."""
    scopes = {scope for _role, scope in grants_for(principal, ACTIONS["field.device_manage"])}
    if PROGRAMME in scopes:
        return None
    rows = RoleGrant.objects.filter(user__is_active=True, role__in=_field_roles())
    by_user: dict[int, set[str]] = defaultdict(set)
    for user_id, scope in rows.values_list("user_id", "scope"):
        by_user[user_id].add(scope)
    where = scopes_of_grants({s for held in by_user.values() for s in held})
    ids = [u for u, held in by_user.items() if _outside(principal, held, where) is None]
    return User.objects.filter(pk__in=ids)


def _field_roles() -> set[str]:
    """The roles that do field work: fill a form kind or hold what one needs."""
    actions = [ACTIONS[a] for k in kinds.all_kinds() for a in (k.action, *k.needs) if a in ACTIONS]
    return {r for a in actions for r in a.roles}


def field_grant_scopes(user: User) -> list[str]:
    """The scopes of `user`'s grants whose role does field work: where the user works, for a
    device's credential."""
    rows = user.grants.filter(role__in=_field_roles()).values_list("scope", flat=True)
    return sorted(set(rows))


def _outside(actor: Principal, scopes: Iterable[str], where: dict[str, Scope]) -> str | None:
    """The first of `scopes` that `actor`'s `field.device_manage` grants do not cover."""
    for scope in sorted(scopes):
        if not is_allowed(actor, "field.device_manage", scope=where[scope]):
            return scope
    return None


def device_user_refusal(actor: Principal, user: User | None) -> PermissionDenied | None:
    """Why `actor` may not enrol or revoke a device of `user`, or None: every field grant of
    the user must lie within the actor's `field.device_manage` grants (a field supervisor's
    sites and regions); a device of a user who is gone, programme-wide grants only."""
    scopes = field_grant_scopes(user) if user is not None else [PROGRAMME]
    outside = _outside(actor, scopes, scopes_of_grants(scopes))
    if outside is None:
        return None
    held = sorted({s for r, s in actor.grants if r in ACTIONS["field.device_manage"].roles})
    return PermissionDenied(
        _(
            "%(user)s works at %(scope)s, outside your sites (%(yours)s): a device for "
            "them is enrolled or revoked by their own supervisor or a programme manager."
        )
        % {
            "user": user.username if user is not None else _("This device's user"),
            "scope": outside,
            "yours": ", ".join(held),
        }
    )


def user_of(device: Device) -> User | None:
    return User.objects.filter(pseudonym=device.user).first()


def users_by_pseudonym(pseudonyms: list[str]) -> dict[str, User]:
    return {u.pseudonym: u for u in User.objects.filter(pseudonym__in=pseudonyms)}


def submission_get(principal: Principal, submission_id: object) -> Submission | None:
    """A submission its sender, or a reviewer of its site, may see; None otherwise (and for a
    bad id)."""
    row = submission_by_id(submission_id)
    if row is None:
        return None
    scope = Scope(site=row.site or None, region=row.region or None)
    if row.actor == principal.pseudonym or is_allowed(principal, "field.review", scope=scope):
        return row
    return None


def submission_by_id(submission_id: object) -> Submission | None:
    """A submission by its id, whoever may see it (the caller authorises at its scope)."""
    try:
        sid = uuid.UUID(str(submission_id))
    except ValueError:
        return None
    return Submission.objects.filter(id=sid).first()


def review_filter(principal: Principal | None) -> Q:
    """Q limiting submissions to those held where `principal` reviews (all for None or a
    programme grant; a site grant: that site's; a region grant: its sites' and its own)."""
    if principal is None:
        return Q()
    scopes = {scope for _role, scope in grants_for(principal, ACTIONS["field.review"])}
    if PROGRAMME in scopes:
        return Q()
    sites = [s.partition(":")[2] for s in scopes if s.startswith("site:")]
    regions = [s.partition(":")[2] for s in scopes if s.startswith("region:")]
    return Q(site__in=sites) | Q(region__in=regions)


def review_queue(
    status: str = SubmissionStatus.NEEDS_REVIEW, *, principal: Principal | None = None
) -> QuerySet[Submission]:
    """The submissions held for review (in `status`), of `principal`'s sites and regions."""
    rows = Submission.objects.exclude(status=SubmissionStatus.ACCEPTED, decided_at=None)
    rows = rows.filter(review_filter(principal))
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("received_at")

"""Authorisation for a participant, with refused requests written to the refusal log."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _

from laydown.access.permissions import NotAuthenticated, Principal, actor_of, authorize
from laydown.access.roles import Scope
from laydown.people import permissions as perms
from laydown.people.models import Participant, Refusal


def refusal_record(*, principal: Principal, action: str, subject: str, reason: str) -> None:
    """Write a refused request to the refusal log (its own transaction: it must outlive the
    refused one)."""
    Refusal.objects.create(
        at=timezone.now(),
        actor=actor_of(principal),
        action=action,
        subject=subject,
        reason=reason[:500],
    )


def refused(principal: Principal, action: str, subject: str, message: str) -> PermissionDenied:
    refusal_record(principal=principal, action=action, subject=subject, reason=message)
    return PermissionDenied(message)


def check_access(principal: Principal, action: str, participant: Participant) -> None:
    """Authorise `action` on `participant`, or record the refusal and raise PermissionDenied.

    The message names neither the participant's region nor whether they are under 18: a
    refused caller must not learn either (pages and the API answer 404 instead, see
    `selectors.participant_for`)."""
    scope = Scope(region=participant.region)
    try:
        authorize(principal, action, scope=scope)
        if participant.is_child:
            authorize(principal, perms.CHILD.name, scope=scope)
    except NotAuthenticated:
        raise
    except PermissionDenied:
        message = _(
            "Refused: your roles do not allow “%(action)s” for this participant. This request "
            "was recorded."
        ) % {"action": action}
        raise refused(principal, action, participant.pk, message) from None


def check_region(principal: Principal, action: str, region: str, *, child: bool) -> None:
    scope = Scope(region=region)
    try:
        authorize(principal, action, scope=scope)
        if child:
            authorize(principal, perms.CHILD.name, scope=scope)
    except NotAuthenticated:
        raise
    except PermissionDenied as exc:
        message = _("Refused for region %(region)s: %(detail)s This request was recorded.") % {
            "region": region,
            "detail": exc,
        }
        raise refused(principal, action, "", message) from None


def check_not_erased(principal: Principal, action: str, participant: Participant) -> None:
    if participant.erased_at is not None:
        message = _(
            "The personal data of %(p)s was erased on %(date)s at the person's request or at "
            "the end of its retention period; it cannot be read or changed. This request was "
            "recorded."
        ) % {"p": participant.pk, "date": participant.erased_at.date().isoformat()}
        raise refused(principal, action, participant.pk, message)

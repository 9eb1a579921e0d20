"""Who a job acts as: the user who submitted it, with the grants they hold when it runs (a
grant revoked meanwhile refuses the rows it no longer allows), or the operator."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal
from laydown.access.web import principal_for_user
from laydown.accounts.models import User
from laydown.accounts.services import SYSTEM
from laydown.jobs.models import ImportJob


def job_actor(job: ImportJob) -> Principal:
    if job.user_id is None:
        return SYSTEM
    user = User.objects.filter(pk=job.user_id, is_active=True).first()
    if user is None:
        raise PermissionDenied(_("The user who sent this import no longer exists or is inactive."))
    return principal_for_user(user)

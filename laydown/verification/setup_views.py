"""Witnesses of the log and observer delegations, from the pages (the CLI stays)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from laydown.access.web import principal_of, requires
from laydown.core import listing
from laydown.core.errors import ValidationError
from laydown.core.forms import run_form
from laydown.ledger import selectors as ledger
from laydown.verification import forms, selectors, services


@requires("verification.witness_manage")
def witnesses(request: HttpRequest) -> HttpResponse:
    form = forms.WitnessForm(request.POST or None)
    actor = principal_of(request)
    ok, witness = run_form(form, lambda: services.witness_add(actor=actor, **form.cleaned_data))
    if ok:
        messages.success(
            request,
            _("Witness %(name)s added; the next checkpoint goes to it.") % {"name": witness.name},
        )
        return redirect("verification:witnesses")
    return listing.table(
        request,
        "verification/witnesses.html",
        ledger.witnesses(),
        name="witnesses",
        sorts={"name": "name", "status": "last_status", "size": "last_size"},
        default="name",
        columns=("name", "url", "active", "status", "cosigned_size", "last_answer"),
        row=lambda w: [
            w.name,
            w.url,
            "yes" if w.active else "no",
            w.last_status,
            w.last_size,
            w.last_error,
        ],
        context={"form": form},
        status=400 if form.errors else 200,
    )


@requires("verification.witness_manage")
@require_POST
def witnesses_push(request: HttpRequest) -> HttpResponse:
    results = services.witnesses_push(actor=principal_of(request))
    for result in results:
        messages.info(request, f"{result.witness}: {result.status} {result.detail}".strip())
    if not results:
        messages.info(request, _("No witness to push to."))
    return redirect("verification:witnesses")


@requires("verification.accredit")
def accreditations(request: HttpRequest) -> HttpResponse:
    """Observer delegations, their observers and accreditations; accredit one more."""
    form = forms.AccreditForm(request.POST or None, observers=selectors.observer_choices())
    actor = principal_of(request)

    def accredit() -> object:
        observer = selectors.observer_by_username(form.cleaned_data["observer"])
        if observer is None:
            raise Http404
        return services.accreditation_grant(
            actor=actor,
            observer=observer,
            vkey=form.cleaned_data["vkey"].strip(),
            sites=form.site_list(),
            valid_from=form.cleaned_data["valid_from"],
            valid_until=form.cleaned_data["valid_until"],
        )

    ok, made = run_form(form, accredit, refusal_on_form=True)
    if ok:
        messages.success(request, _("Accreditation %(code)s granted.") % {"code": made.code})
        return redirect("verification:accreditations")
    context = {
        "form": form,
        "delegations": selectors.delegations(),
        "revoke_form": forms.RevokeAccreditationForm(),
    }
    status = 400 if form.errors else 200
    return render(request, "verification/accreditations.html", context, status=status)


@requires("verification.accredit")
@require_POST
def accreditation_revoke(request: HttpRequest, code: str) -> HttpResponse:
    form = forms.RevokeAccreditationForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.accreditation_revoke(actor=principal_of(request), code=code, reason=reason)
    except ValidationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Accreditation %(code)s revoked.") % {"code": code})
    return redirect("verification:accreditations")

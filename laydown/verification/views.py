"""Verification pages: inspections from plan to signed report, destruction, item bundles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from laydown.access.permissions import Principal
from laydown.access.web import principal_of, requires
from laydown.core import listing
from laydown.core.errors import ValidationError
from laydown.core.forms import run_form
from laydown.ledger import selectors as ledger
from laydown.verification import forms, selectors, services
from laydown.verification.models import FindingResult, InspectionStatus

Form = django_forms.Form


def _attempt(request: HttpRequest, form: Form, call: Callable[[], object], done: str) -> bool:
    """Run a service with a valid form; show its refusal next to the field it names."""
    ok, _result = run_form(form, call, refusal_on_form=True)
    if ok:
        messages.success(request, done)
    return ok


@requires("verification.read")
def index(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    context = {
        "status": status,
        "statuses": InspectionStatus.choices,
        "destructions": selectors.destruction_events(),
        "witnesses": ledger.witnesses(),
    }
    return listing.table(
        request,
        "verification/index.html",
        selectors.inspections_query(status=status),
        name="inspections",
        sorts={"code": "code", "date": "planned_for", "status": "status"},
        default="-date",
        columns=("code", "planned_for", "sites", "status", "sample", "signed"),
        row=lambda i: [
            i.code,
            i.planned_for.isoformat(),
            " ".join(i.sites),
            i.status,
            len(i.sample),
            "yes" if i.signed_report else "no",
        ],
        context=context,
    )


@requires("verification.read")
def follow_up_list(request: HttpRequest) -> HttpResponse:
    wanted = {name: request.GET.get(name, "") for name in ("site", "region", "status")}
    principal = principal_of(request)
    readable = selectors.sites_readable(principal)
    from laydown.arms import selectors as arms

    sites = [s for s in arms.sites_list() if readable is None or s.code in readable]
    regions = {s.region for s in sites}
    context = wanted | {
        "statuses": [("open", _("Open")), ("resolved", _("Resolved"))],
        "sites": [(s.code, f"{s.code} — {s.name}") for s in sites],
        "regions": [(code, name) for code, name in arms.region_choices() if code in regions],
    }
    return listing.table(
        request,
        "verification/follow_up_list.html",
        selectors.follow_ups_query(principal=principal, **wanted),
        name="follow-ups",
        sorts={"inspection": "inspection_id", "tag": "tag", "status": "status"},
        default="inspection",
        columns=("inspection", "tag", "summary", "status", "resolution"),
        row=lambda f: [f.inspection_id, f.tag, f.summary, f.status, f.resolution],
        context=context,
    )


@requires("verification.inspection_plan")
def inspection_new(request: HttpRequest) -> HttpResponse:
    observers = selectors.accredited_observers(timezone.localdate())
    form = forms.PlanForm(request.POST or None, observers=observers)
    if request.method == "POST" and _attempt(
        request,
        form,
        lambda: services.inspection_plan(
            actor=principal_of(request),
            sites=form.site_list(),
            planned_for=form.cleaned_data["planned_for"],
            team=form.team_list(),
            sample_percent=form.cleaned_data["sample_percent"],
            sample_count=form.cleaned_data["sample_count"],
        ),
        _("Inspection planned."),
    ):
        return redirect("verification:index")
    return render(request, "verification/inspection_new.html", {"form": form})


def _inspection_or_404(code: str):  # type: ignore[no-untyped-def]
    inspection = selectors.inspection_get(code)
    if inspection is None:
        raise Http404(_("No such inspection."))
    return inspection


@requires("verification.read")
def inspection_detail(request: HttpRequest, code: str) -> HttpResponse:
    inspection = _inspection_or_404(code)
    principal = principal_of(request)
    forms_by_step = {
        "open_form": forms.OpenForm(),
        "finding_form": forms.FindingForm(),
        "sign_form": forms.SignedNoteForm(),
        "resolve_form": forms.ResolveForm(),
    }
    if request.method == "POST":
        response = _inspection_step(request, inspection.code, forms_by_step)
        if response is not None:
            return response
    findings = {f.tag: f for f in inspection.findings.all()}
    context = {
        "inspection": inspection,
        "findings": findings,
        "on_team": principal.pseudonym in inspection.team,
        "sample_rows": [(tag, findings.get(tag)) for tag in inspection.sample],
        "lot_rows": [(tag, findings.get(tag)) for tag in inspection.lots],
        "my_vkey": selectors.accreditation_vkey(
            principal.pseudonym or "", inspection.sites, timezone.localdate()
        ),
        **forms_by_step,
    }
    return render(request, "verification/inspection_detail.html", context)


def _inspection_step(
    request: HttpRequest, code: str, bound: dict[str, Form]
) -> HttpResponse | None:
    """Handle one POSTed step of an inspection; None to re-render with the form's errors."""
    step = request.POST.get("step", "")
    if step not in STEPS:
        return HttpResponse(_("Unknown step."), status=400)
    form_name, form_class, run, done = STEPS[step]
    form = form_class(request.POST)
    if form_name:
        bound[form_name] = form
    actor = principal_of(request)
    if _attempt(request, form, lambda: run(actor, code, form.cleaned_data), str(done)):
        return redirect("verification:inspection", code=code)
    if step == "close":
        messages.error(request, " ".join(str(e) for e in form.non_field_errors()))
    return None


def _open(actor: Principal, code: str, data: dict[str, Any]) -> object:
    return services.inspection_open(actor=actor, code=code, nonce=data["nonce"])


def _finding(actor: Principal, code: str, data: dict[str, Any]) -> object:
    services.inspection_record(actor=actor, code=code, **data)
    return None


def _close(actor: Principal, code: str, data: dict[str, Any]) -> object:
    return services.inspection_close(actor=actor, code=code)


def _sign(actor: Principal, code: str, data: dict[str, Any]) -> object:
    return services.inspection_sign(actor=actor, code=code, signed_report=data["signed"])


def _resolve(actor: Principal, code: str, data: dict[str, Any]) -> object:
    services.follow_up_resolve(actor=actor, code=code, **data)
    return None


Step = tuple[str, type[Form], Callable[[Principal, str, dict[str, Any]], object], Any]
STEPS: dict[str, Step] = {
    "open": (
        "open_form",
        forms.OpenForm,
        _open,
        gettext_lazy("Inspection opened: the sample is drawn."),
    ),
    "finding": ("finding_form", forms.FindingForm, _finding, gettext_lazy("Finding recorded.")),
    "close": ("", Form, _close, gettext_lazy("Inspection closed: sign its report.")),
    "sign": ("sign_form", forms.SignedNoteForm, _sign, gettext_lazy("Signed report recorded.")),
    "resolve": ("resolve_form", forms.ResolveForm, _resolve, gettext_lazy("Follow-up resolved.")),
}


@requires("verification.inspect")
def inspection_findings(request: HttpRequest, code: str) -> HttpResponse:
    """All findings of a sample on one page, each line showing what the registry expects; saved
    in one request as one batch of records (nothing if any line is refused)."""
    inspection = _inspection_or_404(code)
    rows = selectors.expected_rows(inspection)
    done = {f.tag: f for f in inspection.findings.all()}
    problems: dict[str, str] = {}
    if request.method == "POST":
        findings, problems = forms.findings_posted(request.POST, rows)
        if not problems:
            try:
                count = services.inspection_record_many(
                    actor=principal_of(request), code=code, findings=findings
                )
            except services.FindingsRefused as exc:
                problems = {tag: e.message for tag, e in exc.problems.items()}
            except ValidationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Findings recorded: %(n)d.") % {"n": count})
                return redirect("verification:inspection", code=code)
    context = {
        "inspection": inspection,
        "lines": [
            {
                "row": row,
                "done": done.get(row.tag),
                "problem": problems.get(row.tag, ""),
                "result": request.POST.get(f"result-{row.tag}", ""),
                "mismatches": request.POST.getlist(f"mismatches-{row.tag}"),
                "counted": request.POST.get(f"counted-{row.tag}", ""),
                "notes": request.POST.get(f"notes-{row.tag}", ""),
            }
            for row in rows
        ],
        "results": FindingResult.choices,
        "mismatch_fields": services.MISMATCH_FIELDS,
        "on_team": principal_of(request).pseudonym in inspection.team,
        "problem_count": len(problems),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "verification/findings.html", context, status=status)


@requires("verification.read")
def inspection_text(request: HttpRequest, code: str, part: str) -> HttpResponse:
    """report.txt (what observers sign), signed.txt, or inventory.txt (to recompute the sample)."""
    inspection = _inspection_or_404(code)
    if part == "report" and inspection.report:
        text = inspection.report
    elif part == "signed" and inspection.signed_report:
        text = inspection.signed_report
    elif part == "inventory" and inspection.checkpoint_size:
        inventory = selectors.inventory_at(inspection.checkpoint_size, inspection.sites)
        text = "".join(f"{tag}\n" for tag in inventory.items)
    else:
        raise Http404(_("Not available at this stage."))
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{code}-{part}.txt"'
    return response


@requires("verification.read")
def destruction_detail(request: HttpRequest, code: str) -> HttpResponse:
    event = next((e for e in selectors.destruction_events() if e.code == code), None)
    if event is None:
        raise Http404(_("No such destruction event."))
    form = forms.SignedNoteForm(request.POST or None)
    if request.method == "POST" and _attempt(
        request,
        form,
        lambda: services.destruction_countersign(
            actor=principal_of(request), code=code, signed_statement=form.cleaned_data["signed"]
        ),
        _("Countersignature recorded."),
    ):
        return redirect("verification:destruction", code=code)
    return render(request, "verification/destruction_detail.html", {"event": event, "form": form})


@requires("verification.item_bundle")
def item_bundle(request: HttpRequest, tag: str) -> HttpResponse:
    text = selectors.item_bundle_json(principal_of(request), tag)
    if text is None:
        raise Http404(_("No records for this tag."))
    response = HttpResponse(text, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{tag}-bundle.json"'
    return response

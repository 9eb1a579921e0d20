"""Demobilization pages. Each parses input, calls one service or selector, renders.

Services check the participant's region (and child protection) and record refusals; the
`@requires` decorator checks the action itself. A ValidationError becomes a message on the
page it came from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from laydown.access.web import principal_of, requires
from laydown.core import listing, spreadsheet
from laydown.core.delivery import delivered
from laydown.core.errors import ValidationError
from laydown.core.forms import run_form, show_service_error
from laydown.core.imports.uploads import upload_content
from laydown.core.paging import page_number
from laydown.jobs import services as jobs
from laydown.jobs.models import ImportJob, JobState
from laydown.jobs.runner import job_refusal
from laydown.jobs.selectors import job_of
from laydown.jobs.web import job_page, progress_answer, skipped_note
from laydown.people import checks, forms, import_job, importer, selectors, services
from laydown.people.entitlements import CURRENCY, RULES
from laydown.people.models import Appeal, DuplicateFlag, Participant, PaymentCycle, Referral
from laydown.people.vocab import QUESTIONS, Category, Status


def _participant(request: HttpRequest, pseudonym: str, action: str) -> Participant:
    """The participant, if the caller may do `action` on them; else 404, as if missing."""
    return selectors.participant_for(
        principal=principal_of(request), pseudonym=pseudonym, action=action
    )


def _attempt(request: HttpRequest, call: Callable[[], Any], done: str) -> bool:
    try:
        call()
    except ValidationError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, done)
    return True


@requires("people.read")
def participant_list(request: HttpRequest) -> HttpResponse:
    q = request.GET
    rows = selectors.participant_rows(
        principal=principal_of(request),
        region=q.get("region", ""),
        category=q.get("category", ""),
        status=q.get("status", ""),
        pseudonym=q.get("pseudonym", ""),
    )
    return listing.table(
        request,
        "people/list.html",
        rows,
        name="participants",
        sorts={
            "pseudonym": "pseudonym",
            "category": "category",
            "region": "region",
            "status": "status",
            "dependants": "dependants",
            "card": "id_card_number",
            "registered": "registered_at",
        },
        default="pseudonym",
        columns=(
            "pseudonym",
            "category",
            "region",
            "status",
            "dependants",
            "id_card_number",
            "registered_at",
        ),
        row=lambda p: [
            p.pseudonym,
            p.category,
            p.region,
            p.status,
            p.dependants,
            p.id_card_number,
            p.registered_at.isoformat() if p.registered_at else "",
        ],
        context={
            "filters": q,
            "regions": selectors.regions(principal_of(request)),
            "categories": Category.choices,
            "statuses": Status.choices,
        },
    )


@requires("people.register")
def register(request: HttpRequest) -> HttpResponse:
    form = forms.RegisterForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            person = services.person_check(**{k: d[k] for k in _PERSON_FIELDS})
            photo = forms.upload_read(d["photo"], checks.MAX_PHOTO_BYTES) if d["photo"] else None
            participant = services.participant_register(
                actor=principal_of(request),
                person=person,
                photo=photo,
                contact={k: d[k] for k in ("phone", "village") if d[k]},
                profile=_profile(d),
                health={"notes": d["health"]} if d["health"] else None,
            )
        except ValidationError as exc:
            show_service_error(form, exc)
        else:
            messages.success(request, _("Registered as %(p)s.") % {"p": participant.pk})
            return redirect("people:person", pseudonym=participant.pk)
    return render(
        request,
        "people/form.html",
        {"form": form, "title": _("Register a participant"), "multipart": True},
    )


_PERSON_FIELDS = ("name", "born", "age", "sex", "category", "region", "dependants", "dependant_of")


def _profile(d: dict[str, Any]) -> dict[str, Any]:
    skills = [s.strip() for s in d["skills"].split(",") if s.strip()]
    return {"education": d["education"], "skills": skills, "specific_needs": d["needs"]}


@requires("people.read")
def person(request: HttpRequest, pseudonym: str) -> HttpResponse:
    participant = _participant(request, pseudonym, "people.read")
    return render(
        request,
        "people/person.html",
        {
            "file": selectors.person_file(participant, principal_of(request)),
            "p": participant,
            "screen_form": forms.ScreenForm(),
            "referral_form": forms.ReferralForm(),
            "follow_up_form": forms.FollowUpForm(),
            "questions": QUESTIONS,
        },
    )


@requires("people.screen")
@require_POST
def screen(request: HttpRequest, pseudonym: str) -> HttpResponse:
    participant = _participant(request, pseudonym, "people.screen")
    form = forms.ScreenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Answer every question and choose a decision."))
        return redirect("people:person", pseudonym=pseudonym)
    d = form.cleaned_data
    _attempt(
        request,
        lambda: services.participant_screen(
            actor=principal_of(request),
            participant=participant,
            answers=form.answers(),
            decision=d["decision"],
            reason=d["reason"],
            joined_on=d["joined_on"],
        ),
        _("Screening recorded."),
    )
    return redirect("people:person", pseudonym=pseudonym)


@requires("people.register")
@require_POST
def appeal_lodge(request: HttpRequest, pseudonym: str) -> HttpResponse:
    participant = _participant(request, pseudonym, "people.register")
    _attempt(
        request,
        lambda: services.appeal_lodge(
            actor=principal_of(request),
            participant=participant,
            grounds=request.POST.get("grounds", ""),
        ),
        _("Appeal lodged."),
    )
    return redirect("people:person", pseudonym=pseudonym)


@requires("people.decide")
@require_POST
def appeal_decide(request: HttpRequest, code: str) -> HttpResponse:
    appeal = Appeal.objects.filter(pk=code).select_related("participant").first()
    if appeal is None:
        raise Http404(code)
    _attempt(
        request,
        lambda: services.appeal_decide(
            actor=principal_of(request),
            appeal=appeal,
            outcome=request.POST.get("outcome", ""),
            reason=request.POST.get("reason", ""),
        ),
        _("Appeal decided."),
    )
    return redirect("people:person", pseudonym=appeal.participant_id)


@requires("people.decide")
@require_POST
def revoke(request: HttpRequest, pseudonym: str) -> HttpResponse:
    participant = _participant(request, pseudonym, "people.decide")
    _attempt(
        request,
        lambda: services.participant_revoke(
            actor=principal_of(request),
            participant=participant,
            reason=request.POST.get("reason", ""),
        ),
        _("Eligibility revoked."),
    )
    return redirect("people:person", pseudonym=pseudonym)


@requires("people.register")
@require_POST
def card_issue(request: HttpRequest, pseudonym: str) -> HttpResponse:
    participant = _participant(request, pseudonym, "people.register")
    _attempt(
        request,
        lambda: services.id_cards_issue(actor=principal_of(request), participants=[participant]),
        _("ID card issued."),
    )
    return redirect("people:person", pseudonym=pseudonym)


@requires("people.register")
def card(request: HttpRequest, pseudonym: str) -> HttpResponse:
    """GET asks to show the card (a button); only the POST reads the vault (a recorded read),
    so a link, an <img> or a prefetch from elsewhere adds no false read to the record."""
    participant = _participant(request, pseudonym, "people.register")
    if request.method != "POST":
        return render(request, "people/card_show.html", {"p": participant})

    def page() -> HttpResponse:
        context = selectors.id_card(actor=principal_of(request), participant=participant)
        return render(request, "people/card.html", context)

    try:
        return delivered(page)  # the vault read is recorded only if the card is shown
    except ValidationError as exc:
        messages.error(request, exc.message)
        return redirect("people:person", pseudonym=pseudonym)


@requires("people.read")
def certificate(request: HttpRequest, pseudonym: str) -> HttpResponse:
    participant = _participant(request, pseudonym, "people.read")
    return render(
        request,
        "people/certificate.html",
        {"p": participant, "hand_ins": selectors.hand_ins(participant.pk)},
    )


@requires("people.subject_access")
def access_report(request: HttpRequest, pseudonym: str) -> HttpResponse:
    participant = _participant(request, pseudonym, "people.subject_access")

    def page() -> HttpResponse:
        report = selectors.access_report(actor=principal_of(request), participant=participant)
        return render(request, "people/access_report.html", {"p": participant, **report})

    return delivered(page)  # the vault read is recorded only if the page is


@requires("people.register")
def correct(request: HttpRequest, pseudonym: str) -> HttpResponse:
    participant = _participant(request, pseudonym, "people.register")
    form = forms.CorrectForm(request.POST or None)

    def corrected() -> Participant:
        d = form.cleaned_data
        return services.participant_correct(
            actor=principal_of(request),
            participant=participant,
            reason=d["reason"],
            identity={k: d[k] for k in ("name", "born", "age", "sex")} if d["name"] else None,
            dependants=d["dependants"],
            region=d["region"] or None,
        )

    if request.method == "POST" and run_form(form, corrected)[0]:
        messages.success(request, _("Corrected."))
        return redirect("people:person", pseudonym=pseudonym)
    title = _("Correct the data of %(p)s") % {"p": pseudonym}
    return render(request, "people/form.html", {"form": form, "title": title})


@requires("people.erase")
@require_POST
def erase(request: HttpRequest, pseudonym: str) -> HttpResponse:
    participant = _participant(request, pseudonym, "people.erase")
    _attempt(
        request,
        lambda: services.participant_erase(
            actor=principal_of(request),
            participant=participant,
            reason=request.POST.get("reason", ""),
        ),
        _("Personal data erased."),
    )
    return redirect("people:person", pseudonym=pseudonym)


@requires("people.referral")
@require_POST
def refer(request: HttpRequest, pseudonym: str) -> HttpResponse:
    participant = _participant(request, pseudonym, "people.referral")
    form = forms.ReferralForm(request.POST)
    if form.is_valid():
        _attempt(
            request,
            lambda: services.referral_create(
                actor=principal_of(request), participant=participant, **form.cleaned_data
            ),
            _("Referral recorded."),
        )
    else:
        messages.error(request, _("Choose a kind of service and name the service."))
    return redirect("people:person", pseudonym=pseudonym)


@requires("people.referral")
@require_POST
def follow_up(request: HttpRequest, code: str) -> HttpResponse:
    referral = Referral.objects.filter(pk=code).select_related("participant").first()
    if referral is None:
        raise Http404(code)
    form = forms.FollowUpForm(request.POST)
    if form.is_valid():
        _attempt(
            request,
            lambda: services.referral_follow_up(
                actor=principal_of(request), referral=referral, **form.cleaned_data
            ),
            _("Follow-up recorded."),
        )
    return redirect("people:person", pseudonym=referral.participant_id)


@requires("people.decide")
def duplicates(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        flag = DuplicateFlag.objects.filter(pk=request.POST.get("flag", "")).first()
        if flag is None:
            raise Http404
        _attempt(
            request,
            lambda: services.duplicate_decide(
                actor=principal_of(request),
                flag=flag,
                decision=request.POST.get("decision", ""),
                reason=request.POST.get("reason", ""),
            ),
            _("Decision recorded."),
        )
        return redirect("people:duplicates")
    return listing.table(
        request,
        "people/duplicates.html",
        selectors.duplicates_open(principal_of(request)),
        name="duplicates",
        sorts={"new": "participant_id", "earlier": "other", "flagged": "flagged_at"},
        default="flagged",
        columns=("flag", "new", "earlier", "matched", "flagged_at"),
        row=lambda f: [f.code, f.participant_id, f.other, " ".join(f.matched), _iso(f.flagged_at)],
        context={"cut_off": selectors.cut_off()},
    )


def _iso(value: Any) -> str:
    return value.isoformat() if value is not None else ""


@requires("people.decide")
@require_POST
def cut_off(request: HttpRequest) -> HttpResponse:
    import datetime as dt

    try:
        date = dt.date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        messages.error(request, _("The cut-off date must look like 2026-01-31."))
        return redirect("people:duplicates")
    _attempt(
        request,
        lambda: services.cut_off_set(actor=principal_of(request), date=date),
        _("Cut-off date set."),
    )
    return redirect("people:duplicates")


@requires("people.payment")
def cycles(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        code = request.POST.get("cycle", "")
        if _attempt(
            request,
            lambda: services.payment_cycle_draft(actor=principal_of(request), cycle=code),
            _("Payment list drafted."),
        ):
            return redirect("people:cycle", code=code)
        return redirect("people:cycles")
    return listing.table(
        request,
        "people/cycles.html",
        selectors.cycles(),
        name="payment-cycles",
        sorts={"cycle": "code", "status": "status", "total": "total", "approved": "approved_at"},
        default="-cycle",
        columns=("cycle", "status", "total", "drafted_at", "approved_at", "approved_by"),
        row=lambda c: [
            c.code,
            c.status,
            c.total,
            _iso(c.drafted_at),
            _iso(c.approved_at),
            c.approved_by,
        ],
    )


@requires("people.payment")
def cycle(request: HttpRequest, code: str) -> HttpResponse:
    found = PaymentCycle.objects.filter(pk=code).first()
    if found is None:
        raise Http404(code)
    if request.method == "POST":
        references = {p: request.POST.get(f"ref_{p}", "") for p in request.POST.getlist("paid")}
        _attempt(
            request,
            lambda: services.payments_record(
                actor=principal_of(request), cycle=found, references=references
            ),
            _("Payments recorded."),
        )
        return redirect("people:cycle", code=code)
    page = selectors.cycle_lines(
        found, page_number(request.GET.get("page")), principal=principal_of(request)
    )
    return render(request, "people/cycle.html", {"cycle": found, "page": page})


@requires("people.payment_approve")
@require_POST
def cycle_approve(request: HttpRequest, code: str) -> HttpResponse:
    found = PaymentCycle.objects.filter(pk=code).first()
    if found is None:
        raise Http404(code)
    _attempt(
        request,
        lambda: services.payment_cycle_approve(actor=principal_of(request), cycle=found),
        _("Payment list approved and frozen."),
    )
    return redirect("people:cycle", code=code)


@requires("people.rules")
def rules(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "people/rules.html",
        {
            "rules": list(RULES.values()),
            "currency": CURRENCY,
            "questions": QUESTIONS,
            "categories": dict(Category.choices),
        },
    )


@requires("people.aggregates")
def aggregates(request: HttpRequest) -> HttpResponse:
    table = selectors.aggregates()
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="demobilization-figures.csv"'
        head = [
            ["region", "category", *selectors.FIGURES],
            ["#adm1+code", "#group+category", *(f"#indicator+{f}" for f in selectors.FIGURES)],
        ]
        rows = [
            [r["region"], r["category"], *(r[f] for f in selectors.FIGURES)] for r in table["rows"]
        ]
        response.writelines(spreadsheet.csv_lines(head + rows))
        return response
    return render(request, "people/aggregates.html", {**table, "figures": selectors.FIGURES})


@requires("people.import")
def import_file(request: HttpRequest) -> HttpResponse:
    """Take the file and queue it as a job (kept sealed: it holds names and phones); show its
    outcome at once if it is already over, else follow it on its own page."""
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = jobs.import_submit(
                actor=principal_of(request),
                kind=import_job.KIND,
                name=upload.name,
                content=upload_content(upload, importer.LAYOUT),
            )
        except importer.ImportInvalid as exc:
            messages.error(request, exc.message)
            return _import_page(request, form, exc.problems, status=400)
        return _import_outcome(request, job, form)
    return _import_page(request, form, [])


def _import_page(
    request: HttpRequest,
    form: forms.ImportForm,
    problems: list[importer.Problem],
    status: int = 200,
) -> HttpResponse:
    context = {"form": form, "problems": problems, "columns": importer.COLUMNS}
    return render(request, "people/import.html", context, status=status)


def _import_outcome(
    request: HttpRequest, job: ImportJob, form: forms.ImportForm | None = None
) -> HttpResponse:
    if job.state == JobState.DONE:
        count = job.result.get("count", 0)
        messages.success(request, _("%(n)d participants imported.") % {"n": count})
        skipped_note(request, job)
        return redirect("people:list")
    if job.state == JobState.REFUSED:
        refusal = job_refusal(job)
        messages.error(request, refusal.message)
        return _import_page(request, form or forms.ImportForm(), refusal.problems, status=400)
    return redirect("people:import_job", job=str(job.id))


@requires("people.import")
def import_job_page(request: HttpRequest, job: str) -> HttpResponse:
    """A queued or running import, followed until it ends; then its outcome."""
    found = job_of(principal_of(request), job, import_job.KIND)
    return job_page(request, found, template="people/import_job.html", outcome=_import_outcome)


@requires("people.import")
def import_progress(request: HttpRequest, job: str) -> JsonResponse:
    """How far the import `job` is (see laydown.jobs.selectors.job_progress)."""
    return progress_answer(job_of(principal_of(request), job, import_job.KIND))


@requires("people.refusals")
def refusals(request: HttpRequest) -> HttpResponse:
    return listing.table(
        request,
        "people/refusals.html",
        selectors.refusals(principal_of(request)),
        name="refusals",
        sorts={"when": "at", "who": "actor", "action": "action", "participant": "subject"},
        default="-when",
        columns=("at", "actor", "action", "participant", "reason"),
        row=lambda r: [_iso(r.at), r.actor, r.action, r.subject, r.reason],
        per_page=100,
    )

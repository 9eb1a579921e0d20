"""The pages of field capture: the offline app (its shell pages, service worker and manifest),
the outbox, device enrolment by QR code, and the review queue.

The app's form pages are shells that the service worker keeps: they carry no one's data, and
the device fills their lists from the vocabularies it keeps (app.js). Signed in and without
JavaScript, the same pages work as ordinary forms: the lists are rendered here and a POST runs
the submission at once, exactly once (the page carries the id it was rendered with).
"""

from __future__ import annotations

import uuid
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from laydown.access.permissions import authorize, is_allowed
from laydown.access.web import principal_of, requires
from laydown.accounts.models import User
from laydown.core import listing
from laydown.core.errors import ValidationError
from laydown.field import kinds, selectors, services
from laydown.field.models import Decision, Device, Submission, SubmissionStatus

KEPT = ("site", "category", "make", "model", "calibre", "type", "unit", "place", "date", "region")


@requires("field.sync")
def index(request: HttpRequest) -> HttpResponse:
    principal = principal_of(request)
    forms = [k for k in kinds.all_kinds() if is_allowed(principal, k.action)]
    context = {
        "forms": forms,
        "can_review": is_allowed(principal, "field.review"),
        "can_enrol": is_allowed(principal, "field.device_manage"),
    }
    return render(request, "field/index.html", context)


def payload_from_post(data: Any) -> dict[str, Any]:
    """A form's fields as the API's body: empty fields left out (their defaults apply), dotted
    names nested (`screening.decision`), `identifiers` one a line. app.js does the same."""
    payload: dict[str, Any] = {}
    for name in data:
        if name in ("csrfmiddlewaretoken", "submission", "photo"):
            continue
        value = data.get(name, "").strip()
        if not value:
            continue
        if name == "identifiers":
            value = [line.strip() for line in value.splitlines() if line.strip()]
        *parents, leaf = name.split(".")
        into = payload
        for part in parents:
            into = into.setdefault(part, {})
        into[leaf] = value
    return payload


@requires("public.view")
def app_form(request: HttpRequest, form: str) -> HttpResponse:
    """A form of the offline app (public shell; filled and sent by the signed-in user)."""
    kind = kinds.get(form)
    if kind is None:
        raise Http404(_("No form %(form)s.") % {"form": form})
    principal = principal_of(request)
    if request.method == "POST" and principal.is_anonymous:
        return redirect_to_login(request.get_full_path())
    values = kind.vocab(principal) if not principal.is_anonymous else {}
    errors: dict[str, str] = {}
    message = ""
    if request.method == "POST":
        payload = payload_from_post(request.POST)
        try:
            outcome = services.submission_run(
                actor=principal,
                form=kind.name,
                submission=request.POST.get("submission", ""),
                payload=payload,
                hold_conflicts=True,
            )
        except (ValidationError, PermissionDenied) as exc:
            problem = services.problem_of(exc)
            errors, message = problem["fields"], problem["message"]
        else:
            messages.success(request, _outcome_message(outcome))
            kept = {k: v for k, v in payload.items() if k in KEPT and isinstance(v, str)}
            url = reverse("field:app_form", args=[kind.name])
            return redirect(url + ("?" + "&".join(f"{k}={v}" for k, v in kept.items())))
    context = {
        "kind": kind,
        "values": values,
        "errors": errors,
        "message": message,
        "submission": request.POST.get("submission") or uuid.uuid4(),
        "kept": request.POST if request.method == "POST" else request.GET,
        "signed_in": not principal.is_anonymous,
    }
    status = 422 if errors or message else 200
    return render(request, f"field/forms/{kind.name}.html", context, status=status)


def _outcome_message(outcome: services.Outcome) -> str:
    if outcome.status == SubmissionStatus.NEEDS_REVIEW:
        return _("Kept for a supervisor to review: %(why)s") % {
            "why": outcome.problem.get("message", "")
        }
    made = ", ".join(str(v) for v in outcome.result.values())
    return _("Registered: %(made)s.") % {"made": made}


@requires("public.view")
def app_shell(request: HttpRequest, page: str) -> HttpResponse:
    """The app's pages that need no server data: the outbox and the enrolment landing page."""
    context = {"forms": kinds.all_kinds()}
    return render(request, f"field/{page}.html", context)


@requires("public.view")
def service_worker(request: HttpRequest) -> HttpResponse:
    context = {"forms": kinds.all_kinds()}
    response = render(request, "field/sw.js", context, content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response


@requires("public.view")
def manifest(request: HttpRequest) -> HttpResponse:
    response = render(
        request, "field/manifest.webmanifest", {}, content_type="application/manifest+json"
    )
    response["Cache-Control"] = "no-cache"
    return response


# ---- devices -------------------------------------------------------------------------------


@requires("field.device_manage")
def devices(request: HttpRequest) -> HttpResponse:
    """Enrol a device; the devices one manages (a field supervisor: those of their sites'
    users, whom the list of users offers; a refusal for another's user is the 403 page)."""
    enrolled: dict[str, Any] = {}
    error = ""
    managed = selectors.users_managed(principal_of(request))
    if request.method == "POST":
        user = User.objects.filter(username=request.POST.get("user", "")).first()
        try:
            if user is None:
                raise ValidationError(_("No such user."), fields={"user": _("unknown")})
            device, secret = services.device_enrol(
                actor=principal_of(request),
                user=user,
                name=request.POST.get("name", ""),
                days=request.POST.get("days") or services.DEVICE_DAYS,  # type: ignore[arg-type]
            )
        except ValidationError as exc:
            error = exc.message
        else:
            url = request.build_absolute_uri(reverse("field:enrol"))
            link = f"{url}#{secret}"
            svg = segno.make(link, error="m").svg_inline(scale=4, title=_("Enrolment QR code"))
            enrolled = {
                "device": device,
                "link": link,
                "qr": mark_safe(svg),  # noqa: S308
                **_collect_qr(request, device),
            }
    context = {
        "enrolled": enrolled,
        "error": error,
        "clerks": (
            managed if managed is not None else User.objects.filter(is_active=True)
        ).order_by("username")[:1000],
    }
    return listing.table(
        request,
        "field/devices.html",
        selectors.devices_list(principal_of(request)),
        name="devices",
        sorts={"name": "name", "user": "username", "until": "expires_at", "revoked": "revoked_at"},
        default="-until",
        columns=("id", "name", "user", "enrolled_at", "expires_at", "revoked_at"),
        row=lambda d: [
            d.public_id,
            d.name,
            d.username or d.user,
            _iso(d.enrolled_at),
            _iso(d.expires_at),
            _iso(d.revoked_at),
        ],
        context=context,
        status=422 if error else 200,
    )


def _iso(value: Any) -> str:
    return value.isoformat() if value is not None else ""


def _collect_qr(request: HttpRequest, device: Device) -> dict[str, Any]:
    """The same device's settings for ODK Collect or KoBoCollect (laydown.openrosa): its server
    URL, user name (the device's id) and password (the device's secret), as Collect scans them."""
    from laydown.openrosa import auth  # the OpenRosa server builds on field capture

    server = request.build_absolute_uri(reverse("openrosa:form_list")).removesuffix("/formList")
    code = auth.collect_settings(
        server_url=server, device=device, project=f"Laydown · {device.name}"
    )
    svg = segno.make(code, error="l").svg_inline(scale=3, title=_("ODK Collect settings QR code"))
    return {
        "collect_qr": mark_safe(svg),  # noqa: S308  (segno's SVG of our own text)
        "collect_server": server,
        "collect_username": device.public_id,
        "collect_password": auth.device_password(device),
    }


@requires("field.device_manage")
@require_POST
def device_revoke(request: HttpRequest, device: str) -> HttpResponse:
    row = selectors.device_get(device)
    if row is None:
        raise Http404(_("No device %(d)s.") % {"d": device})
    try:
        services.device_revoke(
            actor=principal_of(request), device=row, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Device %(d)s revoked.") % {"d": row.name})
    return redirect("field:devices")


# ---- the review queue ----------------------------------------------------------------------


@requires("field.review")
def review_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", SubmissionStatus.NEEDS_REVIEW)
    if status not in SubmissionStatus.values:
        status = SubmissionStatus.NEEDS_REVIEW
    return listing.table(
        request,
        "field/review_list.html",
        selectors.review_queue(status, principal=principal_of(request)),
        name="review",
        sorts={"received": "received_at", "form": "form", "from": "actor"},
        default="received",
        columns=("id", "form", "actor", "device", "received_at", "status", "problem"),
        row=lambda r: [
            str(r.id),
            r.form,
            r.actor,
            r.device,
            _iso(r.received_at),
            r.status,
            (r.problem or {}).get("message", ""),
        ],
        context={"status": status, "statuses": SubmissionStatus.choices[1:]},
    )


@requires("field.review")
def review_detail(request: HttpRequest, sid: str) -> HttpResponse:
    row: Submission | None = selectors.submission_by_id(sid)
    if row is None:
        raise Http404(_("No submission %(id)s.") % {"id": sid})
    # another site's submission: the 403 page says where one's roles allow it
    authorize(principal_of(request), "field.review", scope=services.submission_scope(row))
    error = ""
    if request.method == "POST":
        try:
            services.submission_decide(
                actor=principal_of(request),
                submission=row,
                decision=request.POST.get("decision", ""),
                note=request.POST.get("note", ""),
            )
        except ValidationError as exc:
            error = exc.message
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("field:review_list")
    context = {
        "row": row,
        "payload": services.payload_open(row),
        "decisions": Decision.choices,
        "error": error,
    }
    return render(request, "field/review_detail.html", context, status=422 if error else 200)

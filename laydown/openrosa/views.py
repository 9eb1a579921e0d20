"""The OpenRosa 1.0 endpoints under /openrosa (the server URL set in ODK Collect/KoBoCollect):
the Form List API (`formList`, form download, manifest, media files) and the Form Submission API
(`HEAD`/`POST submission`). docs/openrosa.md says what is and is not supported.

Every caller is an enrolled device (laydown.openrosa.auth); every answer has
`X-OpenRosa-Version: 1.0` and `Date` (which gunicorn writes itself when it serves). The forms
listed are those the device's user may submit (the permission matrix, through the form kinds'
actions). A submission is read into its form kind's payload (laydown.openrosa.instances) and
goes through `field.services.submission_run`, the one path of the pages, the API and the
offline app: the same checks and ledger records, exactly once per `meta/instanceID`, conflicts
held in the review queue (202).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from laydown.access.permissions import is_allowed
from laydown.core.errors import LaydownError
from laydown.field import kinds, services
from laydown.field.models import SubmissionStatus
from laydown.openrosa import auth, instances, xlsforms
from laydown.vault import odk_encryption

XML = "text/xml; charset=utf-8"
MAX_SUBMISSION_BYTES = 24 * 1024 * 1024  # X-OpenRosa-Accept-Content-Length: a form and photos
View = Callable[..., HttpResponse]


def _answer(status: int, body: str = "", content_type: str = XML) -> HttpResponse:
    response = HttpResponse(body.encode(), status=status, content_type=content_type)
    response["X-OpenRosa-Version"] = "1.0"
    return response


def _dated(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """`Date` on the answer, unless the server writes it itself: gunicorn always does (a second
    one would break the field's single value); granian (`laydown serve`) writes one only when
    the answer has none, Django's own server and the test client never."""
    if not request.META.get("SERVER_SOFTWARE", "").startswith("gunicorn"):
        response["Date"] = http_date()
    return response


def message(status: int, text: str, nature: str = "error") -> HttpResponse:
    """An OpenRosa response carrying `text` (Collect shows it to the user)."""
    body = (
        '<OpenRosaResponse xmlns="http://openrosa.org/http/response">'
        f'<message nature="{nature}">{escape(text)}</message></OpenRosaResponse>'
    )
    return _answer(status, body)


def _unauthenticated(exc: auth.Unauthenticated) -> HttpResponse:
    response = message(
        401,
        _(
            "Sign in with the user name and password of this device's enrolment (scan the QR "
            "code of the enrolment page again)."
        ),
    )
    response["WWW-Authenticate"] = auth.challenge(stale=exc.stale)
    return response


def device_view(func: Callable[..., HttpResponse]) -> View:
    """Authenticate the device (401 with a Digest challenge), refuse a revoked or expired one
    (403 with the reason), and pass the caller on."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            caller = auth.caller_of(request)
        except auth.Unauthenticated as exc:
            return _dated(request, _unauthenticated(exc))
        if caller.refusal:
            return _dated(request, message(403, caller.refusal))
        return _dated(request, func(request, caller, *args, **kwargs))

    wrapped.__name__ = func.__name__
    wrapped.__doc__ = func.__doc__
    view = csrf_exempt(wrapped)
    # For the permission walk (laydown/testing/walk.py): walked with a device's credential.
    view.laydown_action = "field.sync"  # type: ignore[attr-defined]
    view.laydown_device_auth = True  # type: ignore[attr-defined]
    return view


def _may(caller: auth.Caller, form: str) -> kinds.FormKind | None:
    kind = kinds.get(form)
    if kind is None or form not in xlsforms.form_names():
        return None
    return kind if is_allowed(caller.principal, kind.action) else None


def _form_or_refusal(caller: auth.Caller, form: str) -> kinds.FormKind | HttpResponse:
    if form not in xlsforms.form_names():
        return message(404, _("No form %(form)s on this server.") % {"form": form})
    kind = _may(caller, form)
    if kind is None:
        return message(
            403,
            _("%(user)s may not submit the form %(form)s.")
            % {"user": caller.user.username, "form": form},
        )
    return kind


def _url(request: HttpRequest, url_name: str, **kwargs: str) -> str:
    return request.build_absolute_uri(reverse(f"openrosa:{url_name}", kwargs=kwargs))


@device_view
def form_list(request: HttpRequest, caller: auth.Caller) -> HttpResponse:
    """The forms the device's user may submit (OpenRosa Form List API)."""
    wanted = request.GET.get("formID", "")
    vocab = xlsforms.vocabularies(caller.principal)
    rows = []
    for form in xlsforms.form_names():
        if _may(caller, form) is None or (wanted and wanted != form):
            continue
        built = xlsforms.build(form, vocab)
        rows.append(
            "<xform>"
            f"<formID>{escape(form)}</formID>"
            f"<name>{escape(built.title)}</name>"
            f"<version>{built.version}</version>"
            f"<hash>md5:{built.md5}</hash>"
            f"<downloadUrl>{escape(_url(request, 'form_download', form=form))}</downloadUrl>"
            + (
                f"<manifestUrl>{escape(_url(request, 'form_manifest', form=form))}</manifestUrl>"
                if built.media
                else ""
            )
            + "</xform>"
        )
    body = '<xforms xmlns="http://openrosa.org/xforms/xformsList">' + "".join(rows) + "</xforms>"
    return _answer(200, body)


@device_view
def form_download(request: HttpRequest, caller: auth.Caller, form: str) -> HttpResponse:
    """The XForm of `form`, built with the user's vocabularies."""
    kind = _form_or_refusal(caller, form)
    if isinstance(kind, HttpResponse):
        return kind
    built = xlsforms.build(form, xlsforms.vocabularies(caller.principal))
    return _answer(200, built.xform.decode())


@device_view
def form_manifest(request: HttpRequest, caller: auth.Caller, form: str) -> HttpResponse:
    """The media files of `form` (its lists of the user's sites, regions or places)."""
    kind = _form_or_refusal(caller, form)
    if isinstance(kind, HttpResponse):
        return kind
    built = xlsforms.build(form, xlsforms.vocabularies(caller.principal))
    rows = []
    for name, data in built.media.items():
        url = _url(request, "form_media", form=form, name=name)
        rows.append(
            f"<mediaFile><filename>{escape(name)}</filename>"
            f"<hash>md5:{xlsforms.md5(data)}</hash>"
            f"<downloadUrl>{escape(url)}</downloadUrl></mediaFile>"
        )
    body = (
        '<manifest xmlns="http://openrosa.org/xforms/xformsManifest">'
        + "".join(rows)
        + "</manifest>"
    )
    return _answer(200, body)


@device_view
def form_media(request: HttpRequest, caller: auth.Caller, form: str, name: str) -> HttpResponse:
    """One media file of `form` (a CSV list)."""
    kind = _form_or_refusal(caller, form)
    if isinstance(kind, HttpResponse):
        return kind
    built = xlsforms.build(form, xlsforms.vocabularies(caller.principal))
    if name not in built.media:
        return message(
            404, _("No file %(name)s for the form %(form)s.") % {"name": name, "form": form}
        )
    response = _answer(200, "", content_type="text/csv; charset=utf-8")
    response.content = built.media[name]
    return response


def _problem_text(exc: LaydownError) -> str:
    if not exc.fields:
        return exc.message
    named = "; ".join(f"{instances.field_name(k)}: {v}" for k, v in exc.fields.items())
    return f"{exc.message} ({named})"


@device_view
def submission(request: HttpRequest, caller: auth.Caller) -> HttpResponse:
    """OpenRosa Form Submission API: HEAD answers 204; POST takes `xml_submission_file` and
    the files it names, and answers 201 (written), 202 (held for review), 400, 403 or 413."""
    if request.method in ("HEAD", "GET"):
        response = _answer(204)
        response["X-OpenRosa-Accept-Content-Length"] = str(MAX_SUBMISSION_BYTES)
        return response
    if request.method != "POST":
        response = message(405, _("Send submissions with POST."))
        response["Allow"] = "HEAD, POST"
        return response
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > MAX_SUBMISSION_BYTES:
        return message(
            413,
            _("The submission is %(size)d bytes; this server takes at most %(max)d.")
            % {"size": length, "max": MAX_SUBMISSION_BYTES},
        )
    response = _submit(request, caller)
    response["X-OpenRosa-Accept-Content-Length"] = str(MAX_SUBMISSION_BYTES)
    return response


def _opened(xml: bytes, files: dict[str, bytes]) -> tuple[bytes, dict[str, bytes]]:
    """An encrypted submission (a form with `base64RsaPublicKey`, ODK's encryption) opened with
    the server's form key: its record and media as if sent in clear; anything else as sent."""
    manifest = odk_encryption.manifest_of(xml)
    if manifest is None:
        return xml, files
    opened = odk_encryption.decrypt(manifest, files)
    return opened.xml, opened.media


def _submit(request: HttpRequest, caller: auth.Caller) -> HttpResponse:
    upload = request.FILES.get("xml_submission_file")
    if upload is None:
        return message(400, _("The request has no xml_submission_file."))
    if request.POST.get("*isIncomplete*") == "yes":
        return message(
            400,
            _(
                "This server takes a submission in one request: its files are too big together "
                "(%(max)d bytes at most)."
            )
            % {"max": MAX_SUBMISSION_BYTES},
        )
    files = {  # by the file's name (Collect names the part after it, too)
        part.name or key: part.read()
        for key in request.FILES
        if key != "xml_submission_file"
        for part in request.FILES.getlist(key)
    }
    try:
        xml, files = _opened(upload.read(), files)
        instance = instances.read(xml)
    except odk_encryption.UndecryptableSubmission as exc:
        return message(400, str(exc))
    except LaydownError as exc:
        return message(400, _problem_text(exc))
    kind = _form_or_refusal(caller, instance.form)
    if isinstance(kind, HttpResponse):
        return kind
    try:
        payload = instances.payload(kind, instance, files)
        outcome = services.submission_run(
            actor=caller.principal,
            form=kind.name,
            submission=instance.instance_id,
            payload=payload,
            device=caller.device,
            device_at=instance.device_at,
            hold_conflicts=True,
        )
    except services.KeyReused as exc:
        return message(409, exc.message)
    except LaydownError as exc:
        return message(400, _problem_text(exc))
    except PermissionDenied as exc:
        return message(403, str(exc))
    if outcome.status == SubmissionStatus.ACCEPTED:
        result = ", ".join(str(v) for v in outcome.result.values())
        return message(
            201, _("Received: %(result)s.") % {"result": result}, nature="submit_success"
        )
    reason = outcome.problem.get("message") or outcome.note or ""
    return message(
        202,
        _("Received and held for a supervisor's review: %(reason)s") % {"reason": reason},
        nature="submit_success",
    )

"""The API's one error shape, the statuses each operation documents, and Django's error views.

Every error the API answers is `{"error": {"code", "message", "fields"}}` (`ErrorOut`), even
when Django answers before django-ninja sees the request (an unknown path, a body over
DATA_UPLOAD_MAX_MEMORY_SIZE, a crash): the `handler400/403/404/500` views below answer JSON
under /api/ and the usual pages elsewhere. `document_errors` lists in the OpenAPI document the
error statuses an operation can answer, from what it takes (see `error_statuses`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from ninja import Field, Schema

__all__ = [
    "ErrorBody",
    "ErrorOut",
    "bad_request",
    "document_errors",
    "error_statuses",
    "json_error",
    "page_not_found",
    "permission_denied",
    "server_error",
    "too_large_message",
]

API_PREFIX = "/api/"


class ErrorBody(Schema):
    code: str = Field(description="stable, for programs: invalid, not_found, forbidden, ...")
    message: str = Field(description="for people: what is wrong and how to fix it")
    fields: dict[str, str] = Field(description="each field at fault and what is wrong with it")


class ErrorOut(Schema):
    error: ErrorBody


def error_statuses(operation: Any, *, public: bool) -> set[int]:
    """The error statuses `operation` can answer, from the parameters it takes.

    Any caller can send a bad token (401); only a public operation lets everyone through (403
    otherwise). Any parameter can be invalid (422). Something named in the path or the body
    may not exist, or not for this caller (404). A body may not parse (400) or be too large
    (413).
    """
    sources = {model.__ninja_param_source__ for model in operation.models}
    statuses = {401} if public else {401, 403}
    if sources:
        statuses.add(422)
    if sources & {"path", "body", "form", "file"}:
        statuses.add(404)
    if sources & {"body", "form", "file"}:
        statuses |= {400, 413}
    return statuses


def document_errors(operation: Any, *, public: bool = False, extra: tuple[int, ...] = ()) -> None:
    """Add `ErrorOut` responses for the error statuses of `operation` to its `response=` list.

    Only the OpenAPI document and response models change: errors are answered by the
    exception handlers of `laydown.api`, never returned by the operation itself. Every status
    of every operation shares one response model (ninja's wrapper of `ErrorOut`): built for
    each, they were ~600 identical pydantic models, built again by every process that loads
    the API (`laydown` commands, the server's workers)."""
    for status in sorted(error_statuses(operation, public=public) | set(extra)):
        operation.response_models.setdefault(status, _error_response_model(operation))


_ERROR_RESPONSE: list[Any] = []  # ninja's response model of ErrorOut, built once (by the first)


def _error_response_model(operation: Any) -> Any:
    if not _ERROR_RESPONSE:
        _ERROR_RESPONSE.append(operation._create_response_model(ErrorOut))
    return _ERROR_RESPONSE[0]


def json_error(
    status: int, code: str, message: str, fields: dict[str, str] | None = None
) -> JsonResponse:
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return JsonResponse(body, status=status)


def too_large_message() -> str:
    from django.conf import settings

    return _("The request body is larger than %(size)d bytes. Send less at a time.") % {
        "size": settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    }


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _is_api(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return json_error(413, "too_large", too_large_message())
    message = _("The request could not be understood; nothing was changed.")
    return json_error(400, "bad_request", message)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _is_api(request):
        return defaults.permission_denied(request, exception)
    return json_error(403, "forbidden", _("You may not do this."))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not _is_api(request):
        return defaults.page_not_found(request, exception)
    message = _("No API operation at %(path)s: see /api/v1/docs.") % {"path": request.path}
    return json_error(404, "not_found", message)


def server_error(request: HttpRequest) -> HttpResponse:
    if not _is_api(request):
        return defaults.server_error(request)
    message = _(
        "Something went wrong on our side; the error is logged. If you were saving something, "
        "check whether it was saved before trying again."
    )
    return json_error(500, "server_error", message)

"""The HTTP API under /api/v1/ (django-ninja); OpenAPI at /api/v1/openapi.json and /api/v1/docs.

Authentication: an API token (`Authorization: Bearer ldt_…`) or the signed-in browser session
(unsafe methods need the `X-CSRFToken` header). Every operation declares its action in the
permission matrix with `laydown.accounts.api_auth.api_action` (docs/permissions.md).

Every error has one shape, `{"error": {"code": ..., "message": ..., "fields": {...}}}`:

| status | code | when |
|---|---|---|
| 401 | `not_authenticated`, `token_invalid`, `second_factor_required` | no or bad credentials |
| 403 | `forbidden`, `csrf_failed` | the credentials do not allow this action |
| 404 | `not_found` | no such record, or one you may not see (the two look alike); no such path |
| 400 | `bad_request` | the body is not JSON at all |
| 413 | `too_large` | the body is larger than the server accepts |
| 422 | `invalid` | the input is wrong; `fields` names each field and what is wrong |
| 500 | `server_error` | our fault: the error is logged, nothing is said about it |

Invalid input is 422 whether the request did not match the schema or a service rejected it;
that includes text that is no text (control characters, lone surrogates such as `"\\ud800"`,
Unicode non-characters such as U+FFFF) anywhere in the path, the query or the body. Each
operation lists in this document the error statuses it can answer.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaError
from ninja.parser import Parser

from laydown.access.permissions import NotAuthenticated
from laydown.accounts.api import router as accounts_router
from laydown.accounts.api_auth import credentials
from laydown.arms.api import router as arms_router
from laydown.assistance.api import router as assistance_router
from laydown.core.api_errors import too_large_message
from laydown.core.errors import ValidationError
from laydown.core.text_guard import refuse_bad_text
from laydown.field.api import router as field_router
from laydown.people.api import router as people_router
from laydown.tracing.api import router as tracing_router
from laydown.verification.api import router as verification_router


class TextCheckingParser(Parser):
    """Ninja's parser, refusing text that is no text (core.text_guard) in bodies and forms."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = super().parse_body(request)
        refuse_bad_text(data)  # ninja answers 400 for any error here: see _http_error
        return data

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        parsed = super().parse_querydict(data, list_fields, request)
        refuse_bad_text(parsed)
        return parsed


api = NinjaAPI(
    title="Laydown API",
    version="1",
    description=(__doc__ or "").split("\n", 2)[2],
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    auth=credentials(),  # operations replace it with their own through `api_action`
    parser=TextCheckingParser(),
)
api.add_router("/", accounts_router)
api.add_router("/arms", arms_router)
api.add_router("/people", people_router)
api.add_router("/assistance", assistance_router)
api.add_router("/verification", verification_router)
api.add_router("/tracing", tracing_router)
api.add_router("/", field_router)

HTTP_CODES = {401: "not_authenticated", 403: "forbidden", 404: "not_found", 413: "too_large"}


def error_response(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    fields: dict[str, str] | None = None,
) -> HttpResponse:
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    return api.create_response(request, body, status=status)


@api.exception_handler(AuthenticationError)
def _no_credentials(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = _("Send an API token (Authorization: Bearer …) or sign in first.")
    response = error_response(request, 401, "not_authenticated", message)
    response["WWW-Authenticate"] = 'Bearer realm="laydown"'
    return response


@api.exception_handler(NotAuthenticated)
def _not_authenticated(request: HttpRequest, exc: NotAuthenticated) -> HttpResponse:
    code = getattr(exc, "code", "not_authenticated")
    response = error_response(request, 401, code, str(exc))
    response["WWW-Authenticate"] = 'Bearer realm="laydown"'
    return response


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    message = str(exc) or _("You may not do this.")
    return error_response(request, 403, getattr(exc, "code", "forbidden"), message)


@api.exception_handler(Http404)
@api.exception_handler(ObjectDoesNotExist)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    # Http404 messages are ours and name only what the caller sent; ORM messages are not shown.
    message = str(exc) if isinstance(exc, Http404) and str(exc) else _("Not found.")
    return error_response(request, 404, "not_found", message)


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return error_response(request, 422, exc.code, exc.message, exc.fields)


@api.exception_handler(SchemaError)
def _schema_mismatch(request: HttpRequest, exc: SchemaError) -> HttpResponse:
    fields = {}
    for error in exc.errors:
        # loc is (source, parameter, field, ...): ("body", "payload", "name") -> "name"
        loc = [str(part) for part in error.get("loc", ())[1:]]
        if loc[:1] == ["payload"]:
            loc = loc[1:]
        fields[".".join(loc) or "body"] = str(error.get("msg", "invalid"))
    message = _("The request does not match the schema: %(fields)s.") % {
        "fields": "; ".join(f"{k}: {v}" for k, v in fields.items())
    }
    return error_response(request, 422, "invalid", message, fields)


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    if isinstance(exc, RequestDataTooBig):
        return error_response(request, 413, "too_large", too_large_message())
    message = _("The request could not be understood; nothing was changed.")
    return error_response(request, 400, "bad_request", message)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, ValidationError):  # the body parsed, its text did not pass
        return _invalid(request, exc.__cause__)
    if exc.status_code == 400:  # ninja could not parse the body at all
        message = _(
            "The request body is not valid JSON. Send a JSON object with Content-Type: "
            "application/json."
        )
        return error_response(request, 400, "bad_request", message)
    code = HTTP_CODES.get(exc.status_code, "error")
    return error_response(request, exc.status_code, code, str(exc))

"""Every answer under /openrosa/ is an OpenRosa answer, also those Django makes itself before or
instead of a view (404 of an unknown path, 400 of a malformed request, 500 of an error): the
OpenRosa 1.0 spec wants `X-OpenRosa-Version: 1.0` and `Date` on every response, and ODK Collect
shows the <message> of an OpenRosa response body. Answers of the OpenRosa views pass as they are.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

PREFIX = "/openrosa/"


class OpenRosaAnswersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path_info.startswith(PREFIX) or response.has_header("X-OpenRosa-Version"):
            return response
        from laydown.openrosa.views import _dated, message

        if response.status_code == 404:
            text = _("This server has no OpenRosa endpoint at %(path)s.") % {
                "path": request.path_info
            }
        elif response.status_code >= 500:
            text = _("The server failed to answer; try again later.")
        else:
            text = _("The server could not take this request (HTTP %(status)d).") % {
                "status": response.status_code
            }
        answer = message(response.status_code, text)
        for header in ("Allow", "Retry-After", "Location"):
            if response.has_header(header):
                answer[header] = response[header]
        return _dated(request, answer)

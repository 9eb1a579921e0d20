"""One log line per request: method, path (without the query, which may hold names searched
for), status and duration, beside the request id every line of the request carries.

The request id is django-guid's: taken from the `X-Request-ID` header a proxy set (nginx's
`$request_id`, any UUID), or made, and returned in the response's `X-Request-ID`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

logger = logging.getLogger("laydown.request")
PROBES = frozenset({"/healthz", "/readyz"})  # asked every few seconds: logged only when failing


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        response = self.get_response(request)
        status = response.status_code
        if request.path not in PROBES or status >= 400:
            request_logged(str(request.method), request.path, status, started)
        return response


def request_logged(method: str, path: str, status: int, started: float) -> None:
    """The request's line (laydown.ops.front writes it too, for the answers it gives)."""
    duration_ms = round(1000 * (time.perf_counter() - started), 1)
    logger.info(
        "%s %s %s %.1f ms",
        method,
        path,
        status,
        duration_ms,
        extra={"method": method, "path": path, "status": status, "duration_ms": duration_ms},
    )

"""Logging filters."""

from __future__ import annotations

import logging


class OneLineClientErrors(logging.Filter):
    """Log a refused or bad request (4xx: a 403 above all) as one line, without a traceback.

    Django logs the exception of a PermissionDenied or Http404 with its traceback: a few
    dozen lines for each refusal, which bury real errors (5xx keep theirs) and let anybody
    fill the log with a few requests. The line says the status, the path and the reason.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True

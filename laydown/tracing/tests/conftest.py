"""Fixtures of tracing's browser test (the Chromium page of the reports' browser tests)."""

from laydown.testing.browser import page  # noqa: F401

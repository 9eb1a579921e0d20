"""Fixtures of the reports' browser tests (the shared ones come from laydown.fixtures)."""

from laydown.reports.tests.browser import page  # noqa: F401

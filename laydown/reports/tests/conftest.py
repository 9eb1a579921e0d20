"""Fixtures of the reports and browser tests, gathered from the apps that own them."""

from laydown.arms.tests.conftest import collect, containers, sites  # noqa: F401
from laydown.reports.tests.browser import page  # noqa: F401
from laydown.verification.tests.conftest import cosign, make_observer, manager  # noqa: F401

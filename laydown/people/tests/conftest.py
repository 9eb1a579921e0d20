"""Fixtures of the people app's browser tests (the shared ones come from laydown.fixtures)."""

from laydown.testing.browser import page  # noqa: F401

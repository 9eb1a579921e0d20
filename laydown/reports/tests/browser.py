"""The browser tests' shared pieces moved to laydown.testing.browser (shared by every app's
browser tests); kept importable here for the reports' tests."""

from laydown.testing.browser import (
    AXE,
    CHROMIUM,
    FLAGS,
    SCREENSHOTS,
    page,
    screenshot,
    serious_accessibility_violations,
    sign_in,
)

__all__ = [
    "AXE",
    "CHROMIUM",
    "FLAGS",
    "SCREENSHOTS",
    "page",
    "screenshot",
    "serious_accessibility_violations",
    "sign_in",
]

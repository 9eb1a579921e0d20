"""The jobs page on a phone (360 px) in Chromium: the list scrolls inside its own box, the page
does not scroll sideways, the header's controls stay on screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from laydown.access.roles import Role
from laydown.jobs.models import EXPORT, ImportJob, JobState
from laydown.testing import PASSWORD, user_with_role
from laydown.testing.browser import page, sign_in  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser, pytest.mark.slow]


def test_the_jobs_page_fits_a_phone(
    page: Any,  # noqa: F811
    live_server: Any,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.DATA_DIR = tmp_path
    clerk = user_with_role("clerk", Role.COLLECTION_CLERK)
    long_name = "weapons-collected-at-the-northern-collection-point-" * 3 + ".xlsx"
    for state, extra in [
        (JobState.WRITING, {"done": 123456, "total": 234567}),
        (JobState.FAILED, {"message": "stopped after 5 attempts", "rows_written": 40000}),
        (JobState.REFUSED, {"problem_count": 1000}),
        (JobState.DONE, {"rows_written": 234567}),
    ]:
        ImportJob.objects.create(
            kind="arms.items", user_id=clerk.pk, name=long_name, state=state, **extra
        )
    export = ImportJob.objects.create(
        kind=EXPORT, user_id=clerk.pk, name="items.csv", state=JobState.DONE, rows_written=9
    )
    (tmp_path / "exports").mkdir()
    (tmp_path / "exports" / f"{export.id}-items.csv").write_text("tag\n")
    ImportJob.objects.filter(pk=export.pk).update(result={"file": f"{export.id}-items.csv"})
    sign_in(page, live_server.url, "clerk", PASSWORD)  # a clerk has no second factor
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{live_server.url}/jobs/")
    assert page.locator("table#jobs tbody tr").count() == 5
    assert page.locator("table#jobs progress").count() == 3  # running (its share), done (full)
    assert page.locator("table#jobs a[download]").count() == 1  # the export's file
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    off_screen = page.evaluate(
        """() => [...document.querySelectorAll('header select, header button, header a')]
        .filter(e => e.getBoundingClientRect().right > window.innerWidth).length"""
    )
    assert off_screen == 0

"""The set-up workbook: checked whole with every problem by sheet, row and column, then
applied through the services in one go; its template round-trips (issue 21)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from laydown.access.web import principal_for_user
from laydown.accounts.models import RoleGrant, User
from laydown.arms.models import Container, Site
from laydown.assistance.models import Place
from laydown.jobs import services as jobs
from laydown.jobs.models import JobState
from laydown.jobs.runner import job_problems
from laydown.setup import workbook, workbook_job
from laydown.testing import log_size, signed_in, user_with_role

pytestmark = pytest.mark.django_db
PASSWORD = "Orchard-Lantern-Kestrel-9"
GOOD: dict[str, list[list[Any]]] = {
    "organisations": [["code", "name", "kind"], ["nordland", "Nordland", "observer_delegation"]],
    "places": [
        ["pcode", "name", "level", "parent", "latitude", "longitude"],
        ["AZ01", "North", "region", "", "", ""],
        ["AZ0101", "Riverbend", "district", "AZ01", 40.5, 47.25],
    ],
    "sites": [
        ["code", "name", "kind", "region", "place", "latitude", "longitude", "status"],
        ["cp-1", "Collection point 1", "collection_point", "north", "AZ0101", "", "", ""],
        ["dep-1", "Depot 1", "storage_depot", "north", "", "", "", "open"],
    ],
    "containers": [["code", "site", "racks"], ["dep-1-c1", "dep-1", 4], ["dep-1-c2", "dep-1", ""]],
    "users": [
        ["username", "organisation", "email", "password"],
        ["clerk1", "operator", "clerk1@example.org", PASSWORD],
        ["keeper", "operator", "", PASSWORD],
        ["sup1", "operator", "", PASSWORD],
    ],
    "grants": [
        ["username", "role", "scope"],
        ["clerk1", "collection_clerk", "site:cp-1"],
        ["keeper", "custodian", "site:dep-1"],
        ["sup1", "field_supervisor", "site:cp-1"],
    ],
}


def xlsx(sheets: dict[str, list[list[Any]]]) -> bytes:
    book = Workbook()
    book.remove(book.worksheets[0])
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def admin() -> User:
    return user_with_role("admin1", "admin")


def _submit(admin: User, content: bytes) -> Any:
    return jobs.import_submit(
        actor=principal_for_user(admin), kind=workbook_job.KIND, name="setup.xlsx", content=content
    )


def test_a_good_workbook_sets_up_sites_containers_users_and_grants(admin: User) -> None:
    job = _submit(admin, xlsx(GOOD))
    assert job.state == JobState.DONE, job_problems(job)
    assert job.result["containers"] == 2 and job.result["users"] == 3
    assert Site.objects.get(code="cp-1").place == "AZ0101"
    assert Container.objects.get(code="dep-1-c2").racks == 0
    assert Place.objects.get(pcode="AZ0101").lat_micro == 40_500_000
    clerk = User.objects.get(username="clerk1")
    assert clerk.check_password(PASSWORD)
    assert RoleGrant.objects.filter(user=clerk, scope="site:cp-1").exists()
    assert RoleGrant.objects.filter(
        user__username="sup1", role="field_supervisor", scope="site:cp-1"
    ).exists()


def test_every_problem_is_named_by_sheet_row_and_column_and_nothing_is_written(
    admin: User,
) -> None:
    bad = {name: [list(r) for r in rows] for name, rows in GOOD.items()}
    bad["sites"][2][2] = "depot"  # row 3: unknown kind
    bad["containers"][1][1] = "cp-1"  # row 2: not a depot
    bad["users"][2][3] = "short"  # row 3: weak password
    bad["grants"][1][2] = "site:nowhere"  # row 2
    bad["places"][2][3] = "AZ99"  # row 3: no such parent
    before = log_size()
    job = _submit(admin, xlsx(bad))
    assert job.state == JobState.REFUSED
    found = {(p.sheet, p.row, p.column) for p in job_problems(job)}
    assert {
        ("sites", 3, "kind"),
        ("containers", 2, "site"),
        ("users", 3, "password"),
        ("grants", 2, "scope"),
        ("grants", 3, "username"),  # its user (row 3 of users) is refused
        ("places", 3, "parent"),
    } <= found
    assert all(p.value != "short" for p in job_problems(job))  # passwords are never echoed
    assert log_size() == before
    assert not Site.objects.exists() and not User.objects.filter(username="clerk1").exists()


def test_a_wrong_header_or_a_file_that_is_no_workbook_is_refused(admin: User) -> None:
    job = _submit(admin, xlsx({"sites": [["code", "nom"]]}))
    problems = job_problems(job)
    assert ("sites", 1, "name") in {(p.sheet, p.row, p.column) for p in problems}
    other = _submit(admin, xlsx({"Sheet": [["a"]]}))
    assert "none of the sheets" in job_problems(other)[0].reason


def test_the_template_is_a_workbook_the_import_reads(tmp_path: Path, admin: User) -> None:
    path = tmp_path / "t.xlsx"
    workbook.workbook_template(path)
    book = load_workbook(path)
    assert set(workbook.LAYOUTS) <= set(book.sheetnames)
    for name, rows in GOOD.items():
        for row in rows[1:]:
            book[name].append(row)
    out = io.BytesIO()
    book.save(out)
    assert _submit(admin, out.getvalue()).state == JobState.DONE


def test_the_workbook_pages(admin: User) -> None:
    client = signed_in(admin)
    template = client.get("/setup/workbook/template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    bad = {**GOOD, "sites": [GOOD["sites"][0], ["cp 1", "x", "collection_point", "north"]]}
    upload = io.BytesIO(xlsx(bad))
    upload.name = "setup.xlsx"
    refused = client.post("/setup/workbook/", {"file": upload})
    assert refused.status_code == 400
    assert "sites · 2" in refused.content.decode()
    upload = io.BytesIO(xlsx(GOOD))
    upload.name = "setup.xlsx"
    done = client.post("/setup/workbook/", {"file": upload})
    assert done.status_code == 302 and done["Location"] == "/setup/"
    page = client.get("/setup/").content.decode()
    assert "step-done" in page and "Collection points" in page
    manager = signed_in(user_with_role("mgr", "programme_manager"))
    assert manager.get("/setup/").status_code == 403

"""Findings of the security review: hostile imports, oversized uploads, duplicate checks that
must not reveal other organisations' beneficiaries, and receipt photos erased with the household."""

from __future__ import annotations

import datetime as dt
import io
import os
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import Workbook

from laydown.assistance import forms, imports, services, views
from laydown.assistance.models import Household
from laydown.assistance.tests.base import VAULT, today
from laydown.core.errors import ValidationError
from laydown.ledger.models import Record
from laydown.testing import hostile_files, log_size, signed_in, user_with_role
from laydown.vault import services as vault

pytestmark = pytest.mark.django_db

RETAIN = {"retain_until": today() + dt.timedelta(days=365), **VAULT}


def hostile_workbook(*, data_rows: int = 0) -> bytes:
    """A small workbook whose <dimension> claims A1:XFD12000 (or more rows)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["pcode", "name", "level"])
    for i in range(data_rows):
        sheet.append([f"XB{i:06d}", "Somewhere", "region"])
    book.save(out := io.BytesIO())
    # write_only sheets leave <dimension> out; put a far corner cell in an ordinary workbook.
    book2 = Workbook()
    sheet2 = book2.active
    for row in io_rows(out.getvalue()):
        sheet2.append(row)
    sheet2.cell(row=max(12000, data_rows + 2), column=16384, value="x")
    out2 = io.BytesIO()
    book2.save(out2)
    return out2.getvalue()


def io_rows(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    try:
        return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


# ---- 1. imports read a hostile workbook row by row ---------------------------------------


def test_a_small_workbook_claiming_sixteen_thousand_columns_is_read_in_little_memory() -> None:
    content = hostile_workbook()
    assert len(content) < 10_000
    tracemalloc.start()
    try:
        rows = imports.read_table(name="p.xlsx", content=content)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert rows == []  # the far cell lies beyond the columns an import reads
    assert peak < 20 * 1024 * 1024


def test_an_import_of_a_workbook_with_only_padding_writes_nothing_and_says_why(manager) -> None:
    before = log_size()
    result = imports.places_import(actor=manager, name="p.xlsx", content=hostile_workbook())
    assert not result.ok and not result.created and result.problems[0].reason
    assert log_size() == before


def test_a_workbook_with_more_rows_than_allowed_is_refused_while_it_is_read(
    manager, monkeypatch
) -> None:
    monkeypatch.setattr(imports, "MAX_ROWS", 50)
    content = hostile_workbook(data_rows=51)
    before = log_size()
    with pytest.raises(imports.ImportRefused) as refused:
        imports.places_import(actor=manager, name="p.xlsx", content=content)
    assert "At most 50 rows" in refused.value.message
    assert log_size() == before


def test_blank_lines_of_a_csv_file_are_skipped_and_row_numbers_kept() -> None:
    rows = imports.read_table(name="p.csv", content=b"pcode,name\n\n\nXA01,North\n" + b"\n" * 10)
    assert [(n, {k: v for k, v in row.items() if v}) for n, row in rows] == [
        (4, {"pcode": "XA01", "name": "North"})
    ]


# ---- 2. uploads are refused by their size before they are read ---------------------------


class HugeUpload:
    name = "big.csv"

    def __init__(self, size: int) -> None:
        self.size = size

    def read(self, *_args: Any) -> bytes:
        raise AssertionError("an oversized upload must not be read")


def test_an_import_upload_over_20_mb_is_refused_unread(manager) -> None:
    request = RequestFactory().post("/")
    data = {"file": HugeUpload(imports.MAX_BYTES + 1), "kind": "places"}
    with pytest.raises(imports.ImportRefused) as refused:
        views._import_submit(request, data)
    assert "20 MB" in refused.value.message


def test_a_photo_upload_over_10_mb_is_refused_unread_naming_its_field() -> None:
    with pytest.raises(ValidationError) as refused:
        forms.read_upload(HugeUpload(forms.MAX_UPLOAD_READ), field="report")  # type: ignore[arg-type]
    assert "report" in refused.value.fields


# ---- 3. duplicate checks do not reveal other organisations' households -------------------


def test_a_duplicate_in_another_organisation_is_reported_without_its_code(
    register, orgs, relief_staff
) -> None:
    theirs = register(head_name="Mara Olsen", document="SHARED-1")
    before = log_size()
    with pytest.raises(services.DuplicateSuspected) as refused:
        register(actor=relief_staff, organisation=orgs["relief"], document="SHARED-1")
    assert theirs.code not in refused.value.message
    assert refused.value.households == []
    assert "another organisation" in refused.value.message
    assert "programme manager" in refused.value.message
    # the answer is on record (a lookup of another organisation's beneficiaries), nothing else
    assert log_size() == before + 1 and Household.objects.count() == 1
    assert Record.objects.latest("index").kind == "assistance.duplicate_elsewhere_answered"


def test_a_duplicate_in_ones_own_organisation_is_named_beside_one_elsewhere(
    register, orgs, relief_staff
) -> None:
    theirs = register(document="SHARED-2")
    ours = register(actor=relief_staff, organisation=orgs["relief"], phone="+1 555 7777")
    with pytest.raises(services.DuplicateSuspected) as refused:
        register(
            actor=relief_staff,
            organisation=orgs["relief"],
            document="SHARED-2",
            phone="+1 555 7777",
        )
    assert refused.value.households == [ours.code]
    assert ours.code in refused.value.message and theirs.code not in refused.value.message
    assert "another organisation" in refused.value.message


def test_a_manager_sees_every_matching_code_and_decides_with_a_reason(
    register, orgs, manager
) -> None:
    theirs = register(document="SHARED-3")
    with pytest.raises(services.DuplicateSuspected) as refused:
        register(actor=manager, organisation=orgs["relief"], document="SHARED-3")
    assert refused.value.households == [theirs.code]
    second = register(
        actor=manager,
        organisation=orgs["relief"],
        document="SHARED-3",
        override_reason="two households share a family booklet",
    )
    assert second.duplicate_of == [theirs.code]


def test_an_import_does_not_name_another_organisations_matching_household(
    register, orgs, relief_staff
) -> None:
    theirs = register(document="SHARED-4")
    content = (
        b"partner,place,head_name,phone,document,members\n"
        b"relief,XA010101,Someone Else,,SHARED-4,f/18-59\n"
    )
    result = imports.households_import(actor=relief_staff, name="h.csv", content=content, **RETAIN)
    assert not result.ok
    reason = result.problems[0].reason
    assert theirs.code not in reason and "another organisation" in reason


# ---- 4. receipt photos are kept encrypted with the household and erased with it ----------


def data_files() -> list[Path]:
    return [p for p in Path(settings.DATA_DIR).rglob("*") if p.is_file()]


def test_a_receipt_photo_is_encrypted_and_erased_with_the_household(
    distribute, register, icrc_staff, manager, django_capture_on_commit_callbacks
) -> None:
    row = distribute()
    household = register()
    services.recipients_list(actor=icrc_staff, distribution=row, households=[household.code])
    photo = b"\x89PNG\r\n\x1a\n" + os.urandom(512)
    services.receipt_record(
        actor=icrc_staff,
        distribution=row,
        household=household.code,
        receipt_kind="thumbprint",
        photo=photo,
    )
    assert not any(photo[8:] in p.read_bytes() for p in data_files())
    read = services.receipt_photo(
        actor=icrc_staff, distribution=row, household=household, purpose="check a complaint"
    )
    assert read == photo
    with django_capture_on_commit_callbacks(execute=True):
        vault.vault_erase(
            principal=manager,
            action="assistance.household_register",
            subject=household.code,
            reason="asked for erasure",
        )
    with pytest.raises(vault.SubjectErased):
        services.receipt_photo(
            actor=icrc_staff, distribution=row, household=household, purpose="check a complaint"
        )
    assert not services.receipt_photo_path(household.code, row.code).exists()
    assert not any(photo[8:] in p.read_bytes() for p in data_files())


# ---- 4. hostile files are refused clearly (issue 17, items 5 and 10) ---------------------

HOSTILE = hostile_files.cases(["pcode", "name", "level"])


@pytest.mark.parametrize(
    ("name", "build", "says"), [c[1:] for c in HOSTILE], ids=[c[0] for c in HOSTILE]
)
def test_a_hostile_file_is_refused_clearly_and_the_page_says_why(
    manager, settings, name: str, build: Callable[[], bytes], says: str
) -> None:
    content = build()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client = signed_in(user_with_role("manager-user", "programme_manager", org="operator"))
    before = log_size()
    try:
        result = imports.places_import(actor=manager, name=name, content=content)
    except imports.ImportRefused as refused:
        message = refused.message
    else:
        assert not result.ok and not result.created
        message = " ".join(p.reason for p in result.problems)
    assert says in message or (says == "Missing columns" and "required column" in message)
    upload = io.BytesIO(content)
    upload.name = name
    page = client.post(reverse("assistance:import"), {"kind": "places", "file": upload})
    assert page.status_code == 400 and len(page.content) < 100_000
    assert log_size() == before

"""Bulk import of ammunition lots and materiel (laydown.arms.register_import): every problem of a
bad file by row and column and nothing written; duplicates refused; the lists' own exports
imported into a programme without lots, and imported again adding nothing; exports of the
field forms imported once; the page, the command line and the API, each checking permissions."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from openpyxl import load_workbook

from laydown.access.web import principal_for_user
from laydown.accounts import services as accounts
from laydown.arms import import_job, register_import, services
from laydown.arms.models import AmmoLot, CustodyEvent, Materiel, Site, TagCounter
from laydown.arms.tests.base import CLERK, CLERK_NORTH, LOT_FIELDS
from laydown.jobs import services as jobs
from laydown.testing import log_size, signed_in, user_with_role

pytestmark = pytest.mark.django_db

LOT_HEADER = [
    "site", "type", "calibre", "lot_number", "quantity", "unit", "hazard_division",
    "compatibility_group", "condition",
]  # fmt: skip
MATERIEL_HEADER = ["site", "type", "description", "quantity", "identifiers"]


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def _lot(site: str = "cp-north", number: str = "270-85", **changes: object) -> list[object]:
    values: dict[str, object] = {**LOT_FIELDS, "site": site, "lot_number": number, **changes}
    return [values[c] for c in LOT_HEADER]


def _run(kind: str, content: bytes, actor: Any = CLERK) -> dict[str, Any]:
    return jobs.job_run_here(
        actor=actor, kind=kind, name="file.csv", content=content, progress=lambda *_: None
    )


def _refused(kind: str, content: bytes, actor: Any = CLERK) -> set[tuple[int, str, str]]:
    with pytest.raises(register_import.imports.ImportRefused) as caught:
        _run(kind, content, actor)
    return {(p.row, p.column, p.value) for p in caught.value.problems}


def test_a_lots_file_is_imported_with_consecutive_tags_and_a_record_each(
    sites: dict[str, Site],
) -> None:
    size = log_size()
    rows = [_lot(number=f"N-{n}") for n in range(5)] + [_lot(number="", calibre="9x18mm")] * 2
    result = _run(import_job.LOTS.name, _csv(LOT_HEADER, rows))
    assert result == {"count": 7, "first_tag": "LA-000001", "last_tag": "LA-000007"}
    assert AmmoLot.objects.filter(site="cp-north", status="in_storage").count() == 7
    assert CustodyEvent.objects.filter(kind="arms.lot_collected").count() == 7
    assert log_size() == size + 7
    assert TagCounter.objects.get(prefix="LA").last == 7
    lot = services.lot_collect(actor=CLERK, site=sites["cp-north"], **LOT_FIELDS)
    assert lot.tag == "LA-000008"  # the one-at-a-time registration goes on after them


def test_a_bad_lots_file_names_every_problem_by_row_and_column_and_writes_nothing(
    sites: dict[str, Site],
) -> None:
    services.lot_collect(actor=CLERK, site=sites["cp-north"], **LOT_FIELDS)  # 270-85
    size, lots = log_size(), AmmoLot.objects.count()
    rows = [
        _lot(number="OK-1"),
        _lot(number="OK-2", type="ray"),
        _lot(number="OK-3", quantity="many"),
        _lot(number="OK-4", type="explosive", unit="rounds"),
        _lot(site="nowhere", number="OK-5"),
        _lot(number="270-85"),  # registered before at this site
        _lot(number="TWIN"),
        _lot(number="twin"),  # the same lot as the row before
        _lot(number="OK-9", compatibility_group="Z"),
    ]
    found = _refused(import_job.LOTS.name, _csv(LOT_HEADER, rows))
    assert found == {
        (3, "type", "ray"),
        (4, "quantity", "many"),
        (5, "unit", "rounds"),
        (6, "site", "nowhere"),
        (7, "lot_number", "270-85"),
        (9, "lot_number", "twin"),
        (10, "compatibility_group", "Z"),
    }
    assert (log_size(), AmmoLot.objects.count()) == (size, lots)


def test_a_malformed_file_is_refused_as_a_whole(sites: dict[str, Site]) -> None:
    for content, reason in (
        (b"\x00\x01\x02 not a spreadsheet", ""),
        (_csv(["site", "kind", "quantity"], [["cp-north", "x", 1]]), "unknown column"),
    ):
        with pytest.raises(register_import.imports.ImportRefused) as caught:
            _run(import_job.MATERIEL.name, content)
        assert reason in " ".join(p.reason for p in caught.value.problems)
    assert not Materiel.objects.exists()


def test_materiel_sharing_an_identifier_with_registered_materiel_is_refused(
    sites: dict[str, Site],
) -> None:
    services.materiel_collect(
        actor=CLERK,
        site=sites["cp-north"],
        type="vehicle",
        description="Pick-up",
        quantity=1,
        identifiers=["KA 123 B"],
    )
    rows = [
        ["cp-north", "vehicle", "Truck", 1, "VIN-1; ka 123 b"],
        ["cp-north", "radio", "Radio set", 4, "R-1"],
        ["cp-north", "radio", "Radio set", 2, "R-2;R-1"],
    ]
    found = _refused(import_job.MATERIEL.name, _csv(MATERIEL_HEADER, rows))
    assert found == {
        (2, "identifiers", "VIN-1; ka 123 b"),
        (4, "identifiers", "R-2;R-1"),
    }
    assert Materiel.objects.count() == 1
    done = _run(import_job.MATERIEL.name, _csv(MATERIEL_HEADER, rows[1:2]))
    assert done["count"] == 1
    assert Materiel.objects.get(tag=done["first_tag"]).identifiers == ["R-1"]


def test_a_clerk_imports_only_at_their_own_sites(sites: dict[str, Site]) -> None:
    rows = [_lot(number="A"), _lot(site="depot-b", number="B")]
    found = _refused(import_job.LOTS.name, _csv(LOT_HEADER, rows), actor=CLERK_NORTH)
    assert found == {(3, "site", "depot-b")}


def _export(client: Client, url: str) -> bytes:
    response = client.get(url, {"format": "csv"})
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def _empty_registry(model: Any, prefix: str) -> None:
    """A programme that has the sites and no lots (or materiel) yet."""
    CustodyEvent.objects.filter(kind__in=["arms.lot_collected", "arms.materiel_collected"]).delete()
    model.objects.all().delete()
    TagCounter.objects.filter(prefix=prefix).delete()


def test_the_lots_list_export_imports_into_a_programme_without_lots_and_again_adds_nothing(
    sites: dict[str, Site],
) -> None:
    for number in ("L-1", "L-2", ""):
        services.lot_collect(
            actor=CLERK, site=sites["cp-north"], **{**LOT_FIELDS, "lot_number": number}
        )
    services.lot_collect(actor=CLERK, site=sites["depot-a"], **{**LOT_FIELDS, "unit": "pieces"})
    fields = ("tag", "type", "calibre", "lot_number", "quantity", "unit", "site", "condition")
    before = sorted(AmmoLot.objects.values_list(*fields))
    manager = signed_in(user_with_role("manager", "programme_manager"))
    exported = _export(manager, "/arms/lots/")
    _empty_registry(AmmoLot, "LA")

    page = manager.post("/arms/lots/import/", {"file": _upload(exported, "lots.csv")}, follow=True)
    assert page.status_code == 200, page.content.decode()[:2000]
    assert "4 lots imported" in page.content.decode()
    assert sorted(AmmoLot.objects.values_list(*fields)) == before  # the tags on the labels kept
    assert TagCounter.objects.get(prefix="LA").last == 4

    again = manager.post("/arms/lots/import/", {"file": _upload(exported, "lots.csv")}, follow=True)
    assert "4 rows were left out: they are registered already" in again.content.decode()
    assert AmmoLot.objects.count() == 4
    changed = exported.replace(b"L-1", b"L-9")
    found = _refused(import_job.LOTS.name, changed)
    assert {(column, value) for _row, column, value in found} == {("tag", "LA-000001")}


def test_the_materiel_list_export_imports_into_a_programme_without_materiel(
    sites: dict[str, Site],
) -> None:
    for n, identifiers in enumerate((["P-1", "C-1"], [], ["R-9"])):
        services.materiel_collect(
            actor=CLERK,
            site=sites["cp-north"],
            type="vehicle",
            description=f"Truck {n}",
            quantity=1,
            identifiers=identifiers,
        )
    fields = ("tag", "type", "description", "quantity", "identifiers", "site")
    before = sorted(Materiel.objects.values_list(*fields))
    manager = signed_in(user_with_role("manager", "programme_manager"))
    exported = _export(manager, "/arms/materiel/")
    _empty_registry(Materiel, "LM")
    assert _run(import_job.MATERIEL.name, exported)["count"] == 3
    assert sorted(Materiel.objects.values_list(*fields)) == before
    assert _run(import_job.MATERIEL.name, exported) == {"registered": 3}


CENTRAL_LOTS = (
    b"SubmissionDate,start,end,site,type,calibre,lot_number,quantity,unit,hazard_division,"
    b"compatibility_group,condition,handed_in_by,photos,meta-instanceID,KEY,SubmitterID,"
    b"SubmitterName,AttachmentsPresent,AttachmentsExpected,Status,ReviewState,DeviceID,Edits,"
    b"FormVersion\n"
    b"2026-11-02T09:14:31.512Z,2026-11-02T12:58:03.114+04:00,2026-11-02T13:04:47.029+04:00,"
    b"cp-north,cartridge,7.62x39mm,270-85,1440,rounds,1.4,S,serviceable,p-0042,,"
    b"uuid:1b1c2f3e-2f4d-4a7e-9c1b-0d9e4f6a7b11,uuid:1b1c2f3e-2f4d-4a7e-9c1b-0d9e4f6a7b11,7,"
    b"Clerk North,0,0,,,collect:Hk3pX9q2LmN4,0,2026110201\n"
)


def test_an_export_of_the_lot_form_is_imported_once(sites: dict[str, Site]) -> None:
    assert _run(import_job.LOTS.name, CENTRAL_LOTS)["count"] == 1
    assert AmmoLot.objects.get().handed_in_by == "p-0042"
    assert _run(import_job.LOTS.name, CENTRAL_LOTS) == {"skipped": 1}
    assert AmmoLot.objects.count() == 1


def _upload(content: bytes, name: str) -> Any:
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def test_the_pages_offer_the_import_beside_the_export_and_its_templates(
    sites: dict[str, Site],
) -> None:
    clerk = signed_in(user_with_role("clerk", "collection_clerk"))
    observer = signed_in(user_with_role("observer", "observer"))
    for stem in ("lots", "materiel"):
        assert f"/arms/{stem}/import/" in clerk.get(f"/arms/{stem}/").content.decode()
        assert f"/arms/{stem}/import/" not in observer.get(f"/arms/{stem}/").content.decode()
        assert observer.get(f"/arms/{stem}/import/").status_code == 403
        page = clerk.get(f"/arms/{stem}/import/")
        assert page.status_code == 200
        csv_template = clerk.get(f"/arms/{stem}/import/template.csv")
        header = csv_template.content.decode().splitlines()[0].split(",")
        layout = register_import.LOTS.layout if stem == "lots" else register_import.MATERIEL.layout
        assert tuple(header) == layout.columns
    refused = clerk.post(
        "/arms/lots/import/", {"file": _upload(_csv(LOT_HEADER, [_lot(type="ray")]), "l.csv")}
    )
    assert refused.status_code == 400
    assert "ray" in refused.content.decode() and not AmmoLot.objects.exists()


def test_the_xlsx_template_explains_the_columns_and_a_filled_copy_imports(
    sites: dict[str, Site], tmp_path: Path
) -> None:
    path = tmp_path / "lots.xlsx"
    call_command("import", "template", str(path), "--of", "lots")
    book = load_workbook(path)
    assert book.sheetnames == ["lots", "columns", "vocabulary"]
    sheet = book["lots"]
    header = [c.value for c in sheet[1]]
    values = dict(zip(LOT_HEADER, _lot(), strict=True))
    sheet.append([values.get(str(c), "") for c in header])
    book.save(path)
    out = io.StringIO()
    call_command("import", "lots", str(path), stdout=out)
    assert "Imported 1 lots (LA-000001 to LA-000001)." in out.getvalue()


def test_the_command_lists_every_problem_and_imports_nothing(
    sites: dict[str, Site], tmp_path: Path
) -> None:
    path = tmp_path / "materiel.csv"
    path.write_bytes(_csv(MATERIEL_HEADER, [["cp-north", "tank", "T-55", 1, ""]]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 problems"):
        call_command("import", "materiel", str(path), stderr=err)
    assert "row 2, type 'tank'" in err.getvalue()
    assert not Materiel.objects.exists()


def _token(username: str, role: str, actions: list[str]) -> str:
    user = user_with_role(username, role)
    _t, secret = accounts.token_create(
        actor=principal_for_user(user), name="import test", actions=actions, days=5
    )
    return secret


def test_the_api_imports_checks_and_refuses_with_every_problem(sites: dict[str, Site]) -> None:
    secret = _token("clerk", "collection_clerk", ["arms.import", "arms.item_register"])
    headers = {"Authorization": f"Bearer {secret}"}
    url = "/api/v1/arms/imports/lots"
    good = _csv(LOT_HEADER, [_lot(number="A"), _lot(number="B")])
    dry = Client().post(f"{url}?dry_run=true", {"file": _upload(good, "l.csv")}, headers=headers)
    assert (dry.status_code, dry.json()) == (200, {"rows": 2, "imported": False})
    assert not AmmoLot.objects.exists()
    done = Client().post(url, {"file": _upload(good, "l.csv")}, headers=headers)
    assert (done.status_code, done.json()) == (201, {"rows": 2, "imported": True})
    again = Client().post(url, {"file": _upload(good, "l.csv")}, headers=headers)
    error = again.json()["error"]
    assert again.status_code == 422
    assert [(p["row"], p["column"]) for p in error["problems"]] == [
        (2, "lot_number"),
        (3, "lot_number"),
    ]
    reader = _token("reader", "collection_clerk", ["arms.read"])
    refused = Client().post(
        "/api/v1/arms/imports/materiel",
        {"file": _upload(good, "l.csv")},
        headers={"Authorization": f"Bearer {reader}"},
    )
    assert refused.status_code == 403 and "arms.import" in refused.json()["error"]["message"]

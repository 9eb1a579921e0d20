"""Tracing-grade records: markings as data, ammunition identification, recovery with a protected
formation, the vocabulary that merges spellings, and tracing requests that verify offline."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import load_workbook

from laydown.arms import selectors as arms_selectors
from laydown.arms import services as arms
from laydown.arms.models import Item, Site
from laydown.arms.photos import photo_store
from laydown.assistance.models import Place
from laydown.core.errors import ValidationError
from laydown.fixtures import ARMS_CLERK, ARMS_MANAGER
from laydown.ledger import keys
from laydown.ledger.models import Record
from laydown.ledger.replay import ledger_replay
from laydown.testing import bearer, principal, signed_in, token_for, user_with_role
from laydown.tracing import export, selectors, services
from laydown.tracing.models import LotMarking, Marking, Recovery, Term, TracingRequest
from laydown.verify import main as verify_main

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

AUDITOR = principal("u-auditor", ("auditor", "programme"))
CLERK_SOUTH = principal("u-clerk-south", ("collection_clerk", "region:south"))
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 80

MARKINGS = [
    {"kind": "serial", "location": "receiver", "text": "ZQ558306", "state": "legible"},
    {"kind": "import", "location": "barrel", "text": "IMP-AZ 1998 / KB-7", "state": "legible"},
    {"kind": "unit", "location": "stock", "text": "", "state": "obliterated"},
]


def _lot(site: Site, **kw: Any) -> Any:
    fields = {
        "type": "cartridge",
        "calibre": "7.62x39mm",
        "lot_number": "LOT-17-03",
        "quantity": 700,
        "unit": "rounds",
        "hazard_division": "1.4",
        "compatibility_group": "S",
        "condition": "serviceable",
    }
    return arms.lot_collect(actor=ARMS_CLERK, site=site, **{**fields, **kw})


def test_markings_are_data_found_by_search_and_in_the_custody_history(
    collect: Callable[..., Item],
) -> None:
    item = collect(serial="KT-0001")
    other = collect(serial="KT-0002")
    services.markings_record(actor=ARMS_CLERK, item=item, markings=MARKINGS)
    rows = list(Marking.objects.filter(tag=item.tag))
    assert [(m.kind, m.location, m.state) for m in rows] == [
        ("serial", "receiver", "legible"),
        ("import", "barrel", "legible"),
        ("unit", "stock", "obliterated"),
    ]
    # a part of the import mark, typed with other separators and a Cyrillic look-alike К
    found = arms_selectors.item_search(principal=ARMS_MANAGER, serial="az1998 К").rows
    assert [i.tag for i in found] == [item.tag]
    # the serial still finds by itself, and other items are not found by these markings
    assert [i.tag for i in arms_selectors.item_search(serial="KT-0002").rows] == [other.tag]
    history = arms_selectors.item_history(item.tag)
    assert history[-1].kind == "tracing.markings_recorded"
    assert history[-1].details == {"markings": 3}
    # obliterated markings are flagged and counted
    assert list(selectors.tampered(ARMS_MANAGER)) == [item]
    # a new set replaces the old one; the ledger keeps both
    services.markings_record(actor=ARMS_CLERK, item=item, markings=MARKINGS[:1])
    assert Marking.objects.filter(tag=item.tag).count() == 1
    assert Record.objects.filter(kind="tracing.markings_recorded").count() == 2
    assert list(selectors.tampered(ARMS_MANAGER)) == []


@pytest.mark.parametrize(
    ("marking", "field"),
    [
        ({"kind": "serial", "location": "receiver", "text": ""}, "markings[0].text"),
        ({"kind": "engraving", "location": "receiver", "text": "X"}, "markings[0].kind"),
        ({"kind": "serial", "location": "roof", "text": "X"}, "markings[0].location"),
        (
            {"kind": "serial", "location": "receiver", "text": "X", "state": "gone"},
            "markings[0].state",
        ),
        (
            {"kind": "serial", "location": "receiver", "text": "X", "photo": "ab" * 32},
            "markings[0].photo",
        ),
        ({"kind": "serial", "location": "receiver", "text": "X\u202eY"}, "markings[0].text"),
    ],
)
def test_a_bad_marking_is_refused_naming_its_field_and_nothing_is_written(
    collect: Callable[..., Item], marking: dict[str, str], field: str
) -> None:
    item = collect()
    before = Record.objects.count()
    with pytest.raises(ValidationError) as refused:
        services.markings_record(actor=ARMS_CLERK, item=item, markings=[marking])
    assert field in refused.value.fields
    assert Record.objects.count() == before


def test_markings_at_a_site_outside_the_clerks_scope_are_refused(
    collect: Callable[..., Item],
) -> None:
    from django.core.exceptions import PermissionDenied

    item = collect()  # at depot-a, region north
    with pytest.raises(PermissionDenied):
        services.markings_record(actor=CLERK_SOUTH, item=item, markings=MARKINGS)
    with pytest.raises(ValidationError, match="At most 30"):
        services.markings_record(actor=ARMS_CLERK, item=item, markings=MARKINGS * 11)


def test_headstamps_and_packaging_find_the_lot(sites: dict[str, Site]) -> None:
    lot = _lot(sites["depot-a"])
    _lot(sites["depot-a"], lot_number="OTHER")
    services.lot_markings_record(
        actor=ARMS_CLERK,
        lot=lot,
        markings=[
            {"kind": "headstamp", "manufacturer_code": "539", "year": 1987, "calibre": "7.62x39"},
            {
                "kind": "packaging",
                "text": "ПАТРОНЫ 7,62 ПС ГЖ\n440 шт. 17-87-539",
                "lot_number": "17-87",
            },
        ],
    )
    assert LotMarking.objects.filter(tag=lot.tag).count() == 2
    assert [x.tag for x in selectors.lot_search(ARMS_MANAGER, "87-539")] == [lot.tag]
    assert [x.tag for x in selectors.lot_search(ARMS_MANAGER, "539")] == [lot.tag]
    assert selectors.lot_search(ARMS_MANAGER, "no such headstamp") == []
    with pytest.raises(ValidationError) as refused:
        services.lot_markings_record(
            actor=ARMS_CLERK, lot=lot, markings=[{"kind": "headstamp", "year": 1700}]
        )
    assert "markings[0].year" in refused.value.fields


def test_the_formation_is_protected_and_never_in_the_history_bundle_or_export(
    collect: Callable[..., Item], cosign: Callable[[], None]
) -> None:
    item = collect()
    with pytest.raises(ValidationError) as refused:
        services.recovery_record(actor=ARMS_CLERK, tag=item.tag, circumstance="weapons_cache")
    assert "place" in refused.value.fields
    with pytest.raises(ValidationError):
        services.recovery_record(
            actor=ARMS_CLERK, tag=item.tag, circumstance="cache", lat_micro=1, lon_micro=1
        )
    services.recovery_record(
        actor=ARMS_CLERK,
        tag=item.tag,
        circumstance="weapons_cache",
        lat_micro=40_500_000,
        lon_micro=46_100_000,
        note="under a barn floor",
        formation="3rd Battalion, Northern Brigade",
    )
    kinds = list(Record.objects.order_by("-index").values_list("kind", flat=True)[:2])
    assert kinds == ["tracing.provenance_recorded", "tracing.recovery_recorded"]
    site = item.site
    assert selectors.recovery_of(item.tag, ARMS_MANAGER, site).formation == (  # type: ignore[union-attr]
        "3rd Battalion, Northern Brigade"
    )
    assert selectors.recovery_of(item.tag, ARMS_CLERK, site).formation is None  # type: ignore[union-attr]
    history = arms_selectors.item_history(item.tag)
    assert history[-1].kind == "tracing.recovery_recorded"
    assert "Battalion" not in json.dumps([e.details for e in history])
    cosign()
    made = services.request_record(
        actor=AUDITOR, tags=[item.tag], recipient="CAR", purpose="trace origin"
    )
    assert "Battalion" not in export.build(made).decode("latin-1")


def test_the_vocabulary_merges_spellings_so_search_counts_them_as_one(
    collect: Callable[..., Item],
) -> None:
    a = collect(model="AK-47")
    b = collect(model="Kalashnikov AK-47")
    c = collect(model="AK 47 Type III")
    assert services.vocabulary_seed(actor=ARMS_MANAGER) > 50
    assert services.vocabulary_seed(actor=ARMS_MANAGER) == 0  # only what is missing
    assert selectors.canonical("model", "ak47") == "AK-47"
    found = {i.tag for i in arms_selectors.item_search(model="AK47").rows}
    assert found == {a.tag, b.tag}
    # a clerk's new spelling waits for a manager, who makes it another name of AK-47
    unlisted = [value for _kind, value, _n in selectors.unlisted(ARMS_MANAGER)]
    assert "AK 47 Type III" in unlisted
    services.term_propose(actor=ARMS_CLERK, kind="model", value="AK 47 Type III")
    with pytest.raises(ValidationError, match="already"):
        services.term_propose(actor=ARMS_CLERK, kind="model", value="ak-47 type iii")
    with pytest.raises(ValidationError) as refused:
        services.term_decide(
            actor=ARMS_MANAGER,
            kind="model",
            value="AK 47 Type III",
            decision="alias",
            canonical="AKX",
        )
    assert "canonical" in refused.value.fields
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.term_decide(
            actor=ARMS_CLERK, kind="model", value="AK 47 Type III", decision="approved"
        )
    services.term_decide(
        actor=ARMS_MANAGER,
        kind="model",
        value="AK 47 Type III",
        decision="alias",
        canonical="Kalashnikov AK-47",  # an alias names its approved term
    )
    assert Term.objects.get(kind="model", value="AK 47 Type III").canonical == "AK-47"
    found = {i.tag for i in arms_selectors.item_search(model="AK-47").rows}
    assert found == {a.tag, b.tag, c.tag}
    suggestions = selectors.suggestions(ARMS_CLERK, "depot-a")
    assert "AK-47" in suggestions["model"] and "7.62×39mm" in suggestions["calibre"]
    with pytest.raises(ValidationError, match="not awaiting"):
        services.term_decide(actor=ARMS_MANAGER, kind="model", value="AK-47", decision="rejected")


def test_a_tracing_request_of_50_items_exports_with_proofs_that_verify(
    collect: Callable[..., Item], cosign: Callable[[], None], tmp_path: Path
) -> None:
    sha = photo_store(data=PNG)
    items = [collect() for _ in range(50)]
    services.markings_record(
        actor=ARMS_CLERK,
        item=items[0],
        markings=[{**MARKINGS[1], "photo": sha}, {**MARKINGS[0], "text": "=HYPERLINK(1)"}],
    )
    cosign()
    with pytest.raises(ValidationError, match="No items"):
        services.request_record(actor=AUDITOR, tags=["LD-999999"], recipient="x", purpose="y")
    made = services.request_record(
        actor=AUDITOR,
        tags=[i.tag.lower() for i in items],
        recipient="Conflict Armament Research",
        purpose="trace the diversion of Northern Brigade rifles",
    )
    assert made.code.startswith("TR-") and len(made.tags) == 50
    assert TracingRequest.objects.count() == 1
    archive = zipfile.ZipFile(io.BytesIO(export.build(made)))
    names = sorted(archive.namelist())
    assert names == sorted(f"{made.code}.{ext}" for ext in ("csv", "json", "xlsx"))
    table = list(csv.DictReader(io.StringIO(archive.read(f"{made.code}.csv").decode())))
    assert len(table) == 50 and table[0]["tag"] == items[0].tag
    assert "import@barrel: IMP-AZ 1998 / KB-7" in table[0]["markings"]
    assert sha in table[0]["photos"]
    assert "'=HYPERLINK" in table[0]["markings"] or table[0]["markings"].count("=HYPERLINK") == 1
    sheet = load_workbook(io.BytesIO(archive.read(f"{made.code}.xlsx"))).active
    assert sheet is not None and sheet.max_row == 51
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    bundle = json.loads(archive.read(f"{made.code}.json"))
    assert bundle["format"] == "laydown-tracing-request/v1" and len(bundle["items"]) == 50
    first = bundle["items"][0]["ledger"]
    assert [json.loads(r["record"])["kind"] for r in first["records"]] == [
        "arms.item_collected",
        "tracing.markings_recorded",
    ]
    for entry in bundle["items"][:50:7]:
        path = tmp_path / f"{entry['tag']}.json"
        path.write_text(json.dumps(entry["ledger"]))
        assert verify_main([str(path), "--key", keys.log_verifier_key(), "--quiet"]) == 0
    # altered after the fact: the recipient's check fails
    first["records"][1]["record"] = first["records"][1]["record"].replace("KB-7", "KB-8")
    path = tmp_path / "altered.json"
    path.write_text(json.dumps(first))
    assert verify_main([str(path), "--key", keys.log_verifier_key(), "--quiet"]) == 1


def test_replay_rebuilds_tracing_exactly(
    collect: Callable[..., Item], sites: dict[str, Site]
) -> None:
    item = collect()
    lot = _lot(sites["depot-a"])
    Place.objects.create(pcode="AZ01", name="North", level="region", created_at=item.collected_at)
    services.markings_record(actor=ARMS_CLERK, item=item, markings=MARKINGS)
    services.lot_markings_record(
        actor=ARMS_CLERK, lot=lot, markings=[{"kind": "headstamp", "manufacturer_code": "711"}]
    )
    services.recovery_record(
        actor=ARMS_CLERK, tag=lot.tag, circumstance="seizure", place="AZ01", formation="Group B"
    )
    services.vocabulary_seed(actor=ARMS_MANAGER)
    services.term_propose(actor=ARMS_CLERK, kind="make", value="Local workshop")
    services.term_decide(
        actor=ARMS_MANAGER, kind="make", value="Local workshop", decision="rejected", reason="no"
    )

    def snapshot() -> list[Any]:
        return [
            list(
                Marking.objects.values_list(
                    "tag", "position", "kind", "text", "text_normalised", "state"
                )
            ),
            list(LotMarking.objects.values_list("tag", "manufacturer_code", "text_normalised")),
            list(Recovery.objects.values_list("tag", "place", "circumstance", "formation")),
            list(
                Term.objects.order_by("kind", "key").values_list(
                    "kind", "value", "status", "canonical", "reason"
                )
            ),
        ]

    before = snapshot()
    Place.objects.all().delete()  # places are replayed by assistance; not created by a record here
    Place.objects.create(pcode="AZ01", name="North", level="region", created_at=item.collected_at)
    ledger_replay()
    assert snapshot() == before


def test_pages_record_markings_with_photos_and_show_them_on_the_item(
    collect: Callable[..., Item], sites: dict[str, Site]
) -> None:
    item = collect()
    clerk = signed_in(user_with_role("clerk-a", "collection_clerk"))
    page = clerk.get(f"/tracing/items/{item.tag}/markings/")
    assert page.status_code == 200 and 'name="m-0-kind"' in page.content.decode()
    form = {
        "m-TOTAL_FORMS": "2",
        "m-INITIAL_FORMS": "0",
        "m-MIN_NUM_FORMS": "0",
        "m-MAX_NUM_FORMS": "30",
        "m-0-kind": "import",
        "m-0-location": "barrel",
        "m-0-text": "IMP-AZ 1998",
        "m-0-state": "legible",
        "m-0-photo": SimpleUploadedFile("m.png", PNG, content_type="image/png"),
        "m-1-kind": "serial",
        "m-1-location": "receiver",
        "m-1-text": "",
        "m-1-state": "legible",  # blank line: skipped
    }
    saved = clerk.post(f"/tracing/items/{item.tag}/markings/", form)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    shown = clerk.get(f"/arms/items/{item.tag}/").content.decode()
    assert "IMP-AZ 1998" in shown and "/tracing/photos/" in shown
    sha = Marking.objects.get(tag=item.tag).photo
    picture = clerk.get(f"/tracing/photos/{sha}")
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    # a photographed marking with nothing written that is not obliterated: refused beside it
    photo = SimpleUploadedFile("n.png", PNG + b"1", content_type="image/png")
    form_bad = {**form, "m-0-text": "", "m-0-photo": photo, "m-TOTAL_FORMS": "1"}
    refused = clerk.post(f"/tracing/items/{item.tag}/markings/", form_bad)
    assert refused.status_code == 400 and "write what it reads" in refused.content.decode()
    # search finds it; a partner sees nothing of tracing
    found = clerk.get("/tracing/search/", {"q": "az 1998"}).content.decode()
    assert item.tag in found
    partner = signed_in(user_with_role("partner-a", "partner_staff"))
    assert partner.get("/tracing/search/", {"q": "az 1998"}).status_code == 403
    assert partner.get(f"/tracing/photos/{sha}").status_code == 403


def test_recovery_vocabulary_and_request_pages(
    collect: Callable[..., Item], cosign: Callable[[], None]
) -> None:
    item = collect()
    clerk = signed_in(user_with_role("clerk-b", "collection_clerk"))
    saved = clerk.post(
        f"/tracing/recoveries/{item.tag}/",
        {"circumstance": "voluntary_hand_in", "lat": "40.5", "lon": "46.25", "formation": "Unit 7"},
    )
    assert saved.status_code == 302
    assert Recovery.objects.get(tag=item.tag).lon_micro == 46_250_000
    # the clerk who wrote it does not see the formation; the manager does
    assert "Unit 7" not in clerk.get(f"/arms/items/{item.tag}/").content.decode()
    manager = signed_in(user_with_role("manager-b", "programme_manager"))
    assert "Unit 7" in manager.get(f"/arms/items/{item.tag}/").content.decode()
    assert manager.post("/tracing/vocabulary/seed/").status_code == 302
    assert "AKS-74U" in manager.get("/tracing/vocabulary/").content.decode()
    assert clerk.post("/tracing/vocabulary/seed/").status_code == 403
    cosign()
    made = manager.post(
        "/tracing/requests/",
        {"tags": f"{item.tag}\n", "recipient": "UN Panel of Experts", "purpose": "tracing"},
    )
    assert made.status_code == 200 and made["Content-Type"] == "application/zip"
    assert "UN Panel of Experts" in manager.get("/tracing/requests/").content.decode()


def test_the_api_records_and_searches_markings(collect: Callable[..., Item]) -> None:
    item = collect()
    user = user_with_role("clerk-api", "collection_clerk")
    client = Client()
    secret = token_for(user, ["tracing.record", "tracing.read", "tracing.vocabulary_read"])
    put = client.put(
        f"/api/v1/tracing/items/{item.tag}/markings",
        data=json.dumps({"markings": MARKINGS}),
        content_type="application/json",
        headers=bearer(secret),
    )
    assert put.status_code == 200, put.content
    assert [m["kind"] for m in put.json()] == ["serial", "import", "unit"]
    bad = client.put(
        f"/api/v1/tracing/items/{item.tag}/markings",
        data=json.dumps({"markings": [{"kind": "x", "location": "barrel"}]}),
        content_type="application/json",
        headers=bearer(secret),
    )
    assert bad.status_code == 422 and "markings[0].kind" in bad.json()["error"]["fields"]
    found = client.get("/api/v1/tracing/search", {"q": "KB-7"}, headers=bearer(secret))
    assert found.json() == {"items": [item.tag], "lots": []}
    vocab = client.get("/api/v1/tracing/vocabulary", headers=bearer(secret))
    assert vocab.status_code == 200 and set(vocab.json()) == {"make", "model", "calibre"}
    recovery = client.put(
        f"/api/v1/tracing/recoveries/{item.tag}",
        data=json.dumps(
            {"circumstance": "seizure", "lat_micro": 1, "lon_micro": 2, "formation": "F"}
        ),
        content_type="application/json",
        headers=bearer(secret),
    )
    assert recovery.status_code == 200 and recovery.json()["formation"] is None


def _markings_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["tag", "kind", "location", "text", "state", "manufacturer_code", "year"])
    writer.writerows(rows)
    return out.getvalue().encode()


def test_the_markings_import_checks_every_row_then_records_one_set_per_tag(
    collect: Callable[..., Item], sites: dict[str, Site]
) -> None:
    a, b = collect(), collect()
    lot = _lot(sites["depot-a"])
    clerk = signed_in(user_with_role("clerk-imp", "collection_clerk"))
    before = Record.objects.count()
    bad = _markings_csv(
        [
            [a.tag, "serial", "receiver", "AB1", "", "", ""],
            [a.tag, "stamp", "receiver", "AB2", "", "", ""],
            ["LD-999999", "serial", "receiver", "X", "", "", ""],
            [lot.tag, "headstamp", "", "", "", "539", "1700"],
        ]
    )
    refused = clerk.post(
        "/tracing/import/",
        {"file": SimpleUploadedFile("m.csv", bad, content_type="text/csv")},
    )
    page = refused.content.decode()
    assert refused.status_code == 400
    for fragment in ("stamp", "LD-999999", "1700"):
        assert fragment in page
    assert Record.objects.count() == before  # nothing written
    good = _markings_csv(
        [
            [a.tag, "serial", "receiver", "AB1", "", "", ""],
            [b.tag, "import", "barrel", "IMP 2001", "", "", ""],
            [a.tag, "unit", "stock", "", "obliterated", "", ""],
            [lot.tag, "headstamp", "", "", "", "539", "1987"],
        ]
    )
    done = clerk.post(
        "/tracing/import/",
        {"file": SimpleUploadedFile("m.csv", good, content_type="text/csv")},
    )
    assert done.status_code == 302, done.content.decode()[:1500]
    assert list(Marking.objects.filter(tag=a.tag).values_list("kind", "state")) == [
        ("serial", "legible"),
        ("unit", "obliterated"),
    ]
    assert LotMarking.objects.get(tag=lot.tag).year == 1987
    kinds = list(Record.objects.filter(index__gte=before).values_list("kind", flat=True))
    assert sorted(kinds) == sorted(
        ["tracing.markings_recorded"] * 2 + ["tracing.lot_markings_recorded"]
    )
    template = clerk.get("/tracing/import/template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"

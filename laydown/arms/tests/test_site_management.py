"""Sites and containers made, changed, opened, closed and deleted by a programme's own staff:
the services, the pages, the API and the CLI (issue 21)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from laydown.arms import services
from laydown.arms.models import Container, Site
from laydown.arms.tests.base import CLERK, CUSTODIAN, MANAGER
from laydown.core.errors import ValidationError
from laydown.ledger import replay
from laydown.testing import (
    assert_error,
    bearer,
    log_size,
    post_json,
    principal,
    signed_in,
    token_for,
    user_with_role,
)

pytestmark = pytest.mark.django_db


def _snapshot() -> dict[str, list[dict[str, Any]]]:
    return {
        model.__name__: sorted(
            (dict(r) for r in model.objects.values()), key=lambda r: repr(sorted(r.items()))
        )
        for model in (Site, Container)
    }


MANAGER_NORTH = principal("u-mgr-north", ("programme_manager", "region:north"))


def test_a_manager_creates_a_site_with_a_place_and_edits_it() -> None:
    site = services.site_create(
        actor=MANAGER,
        code="cp-east",
        name="Collection point East",
        kind="collection_point",
        region="east",
        place="az0101",
        lat_micro=40_409_264,
        lon_micro=49_867_092,
    )
    assert site.place == "AZ0101"
    services.site_update(
        actor=MANAGER, site=site, name="CP East", kind="collection_point", region="east", place=""
    )
    site.refresh_from_db()
    assert (site.name, site.place, site.lat_micro) == ("CP East", "", None)


def test_a_site_field_refusal_names_the_field_and_writes_nothing() -> None:
    before = log_size()
    with pytest.raises(ValidationError) as refused:
        services.site_create(
            actor=MANAGER, code="x", name="X", kind="collection_point", region="r", place="12"
        )
    assert "place" in refused.value.fields
    with pytest.raises(ValidationError) as refused:
        services.site_create(
            actor=MANAGER, code="x", name="X", kind="collection_point", region="r", lat_micro=1
        )
    assert "lon_micro" in refused.value.fields
    assert log_size() == before


def test_a_region_manager_may_not_manage_another_region(sites: dict[str, Site]) -> None:
    with pytest.raises(PermissionDenied):
        services.site_create(
            actor=MANAGER_NORTH, code="s1", name="S", kind="collection_point", region="south"
        )
    with pytest.raises(PermissionDenied):
        services.site_status_set(actor=MANAGER_NORTH, site=sites["depot-b"], status="closed")
    with pytest.raises(PermissionDenied):
        services.site_create(
            actor=CLERK, code="s1", name="S", kind="collection_point", region="north"
        )


def test_a_site_with_items_is_closed_never_deleted(sites: dict[str, Site], collect: Any) -> None:
    collect(site=sites["cp-north"])
    with pytest.raises(ValidationError, match="Close it instead"):
        services.site_delete(actor=MANAGER, site=sites["cp-north"], reason="mistake")
    services.site_status_set(actor=MANAGER, site=sites["cp-north"], status="closed", reason="done")
    with pytest.raises(ValidationError, match="is closed"):
        collect(site=Site.objects.get(code="cp-north"))
    empty = services.site_create(
        actor=MANAGER, code="typo", name="Typo", kind="collection_point", region="north"
    )
    services.site_delete(actor=MANAGER, site=empty, reason="typed the wrong code")
    assert not Site.objects.filter(code="typo").exists()


def test_a_container_is_closed_only_when_empty_and_takes_nothing_while_closed(
    containers: dict[str, Container], collect: Any
) -> None:
    box = containers["a-c1"]
    item = collect()
    services.item_book(actor=CUSTODIAN, item=item, container=box, rack=3)
    with pytest.raises(ValidationError, match="move them out"):
        services.container_status_set(actor=MANAGER, container=box, status="closed")
    with pytest.raises(ValidationError, match="rack 3"):
        services.container_update(actor=MANAGER, container=box, racks=2)
    with pytest.raises(ValidationError, match="close it instead"):
        services.container_delete(actor=MANAGER, container=box, reason="mistake")
    other = containers["a-c2"]
    services.container_status_set(actor=MANAGER, container=other, status="closed")
    with pytest.raises(ValidationError, match="is closed"):
        services.item_book(actor=CUSTODIAN, item=collect(), container=other)
    services.container_delete(actor=MANAGER, container=other, reason="never used")
    assert not Container.objects.filter(code="a-c2").exists()


def test_a_depot_with_containers_stays_a_depot(containers: dict[str, Container]) -> None:
    site = containers["a-c1"].site
    with pytest.raises(ValidationError) as refused:
        services.site_update(
            actor=MANAGER, site=site, name=site.name, kind="collection_point", region="north"
        )
    assert "kind" in refused.value.fields


def test_an_administrator_manages_sites_from_the_pages() -> None:
    admin = user_with_role("admin1", "admin")
    client = signed_in(admin)
    assert client.get("/arms/sites/new/").status_code == 200
    form = {
        "code": "dep-west",
        "name": "Depot West",
        "kind": "storage_depot",
        "region": "west",
        "place": "AZ0201",
        "latitude": "40.5",
        "longitude": "47.25",
        "status": "open",
    }
    made = client.post("/arms/sites/new/", form)
    assert made.status_code == 302, made.content
    site = Site.objects.get(code="dep-west")
    assert (site.lat_micro, site.lon_micro, site.place) == (40_500_000, 47_250_000, "AZ0201")
    box = client.post("/arms/sites/dep-west/containers/new/", {"code": "w-c1", "racks": 6})
    assert box.status_code == 302
    assert Container.objects.get(code="w-c1").racks == 6
    taken = client.post("/arms/sites/new/", form)
    assert taken.status_code == 400 and "exists" in taken.content.decode()
    closed = client.post("/arms/containers/w-c1/status/", {"status": "closed"})
    assert closed.status_code == 302
    assert Container.objects.get(code="w-c1").status == "closed"
    page = client.get("/arms/sites/dep-west/edit/")
    assert page.status_code == 200 and "w-c1" in page.content.decode()


def test_an_administrator_grants_a_role_at_a_site_from_its_page(sites: dict[str, Site]) -> None:
    admin = user_with_role("admin1", "admin")
    user_with_role("clerk7", None)
    client = signed_in(admin)
    done = client.post(
        "/arms/sites/cp-north/people/", {"user": "clerk7", "role": "collection_clerk"}
    )
    assert done.status_code == 302
    page = client.get("/arms/sites/cp-north/people/").content.decode()
    assert "clerk7" in page and "site:cp-north" in page
    manager = signed_in(user_with_role("mgr", "programme_manager"))
    assert manager.get("/arms/sites/cp-north/people/").status_code == 403


def test_sites_and_containers_through_the_api() -> None:
    admin = user_with_role("admin1", "admin")
    auth = bearer(token_for(admin, ["arms.site_manage", "arms.read"]))
    client = signed_in(admin, verified=False)
    client.logout()
    site = {"code": "dep-api", "name": "Depot", "kind": "storage_depot", "region": "north"}
    made = post_json(client, "/api/v1/arms/sites", site, headers=auth)
    assert made.status_code == 201, made.content
    box = post_json(
        client,
        "/api/v1/arms/sites/dep-api/containers",
        {"code": "api-c1", "racks": 2},
        headers=auth,
    )
    assert box.status_code == 201 and box.json()["site"] == "dep-api"
    changed = client.put(
        "/api/v1/arms/sites/dep-api",
        {**site, "name": "Depot renamed", "place": "AZ0101"},
        content_type="application/json",
        headers=auth,
    )
    assert changed.status_code == 200 and changed.json()["place"] == "AZ0101"
    refused = client.delete("/api/v1/arms/sites/dep-api?reason=oops", headers=auth)
    assert_error(refused, 422, "invalid")
    gone = client.delete("/api/v1/arms/containers/api-c1?reason=oops", headers=auth)
    assert gone.status_code == 204
    closed = post_json(
        client, "/api/v1/arms/sites/dep-api/status", {"status": "closed"}, headers=auth
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def test_sites_and_containers_from_the_command_line() -> None:
    out = io.StringIO()
    call_command(
        "site",
        "create",
        "cp-cli",
        "CP CLI",
        "--kind",
        "collection_point",
        "--region",
        "north",
        "--place",
        "AZ0101",
        "--lat",
        "40.1",
        "--lon",
        "46.2",
        stdout=out,
    )
    call_command(
        "site",
        "create",
        "dep-cli",
        "Depot CLI",
        "--kind",
        "storage_depot",
        "--region",
        "north",
        stdout=out,
    )
    call_command("container", "create", "cli-c1", "--site", "dep-cli", "--racks", "3", stdout=out)
    call_command("site", "close", "cp-cli", "--reason", "season over", stdout=out)
    assert Site.objects.get(code="cp-cli").status == "closed"
    assert Site.objects.get(code="cp-cli").lat_micro == 40_100_000
    with pytest.raises(CommandError, match="Close it instead"):
        call_command("site", "delete", "dep-cli", "--reason", "x", stdout=out)
    with pytest.raises(CommandError, match="decimal degrees"):
        call_command("site", "update", "cp-cli", "--lat", "north", stdout=out)


def test_replay_rebuilds_sites_and_containers_as_their_managers_left_them(
    sites: dict[str, Site], containers: dict[str, Container]
) -> None:
    depot = sites["depot-a"]
    services.site_update(
        actor=MANAGER,
        site=depot,
        name="Depot A2",
        kind="storage_depot",
        region="north",
        place="AZ0101",
        lat_micro=1,
        lon_micro=2,
    )
    services.site_status_set(actor=MANAGER, site=sites["depot-b"], status="closed", reason="x")
    services.container_update(actor=MANAGER, container=containers["a-c1"], racks=9)
    services.container_status_set(actor=MANAGER, container=containers["a-c1"], status="closed")
    services.container_delete(actor=MANAGER, container=containers["a-c2"], reason="typo")
    services.site_delete(actor=MANAGER, site=sites["cp-north"], reason="typo")
    before = _snapshot()
    replay.ledger_replay()
    assert _snapshot() == before
    assert not Site.objects.filter(code="cp-north").exists()


def test_with_a_tile_server_the_site_pages_offer_a_map_to_pick_the_position_on(
    settings: Any,
) -> None:
    client = signed_in(user_with_role("admin1", "admin"))
    assert "pick-map" not in client.get("/arms/sites/new/").content.decode()
    settings.LAYDOWN_MAP_TILES = "https://tiles.example.org/{z}/{x}/{y}.png"
    page = client.get("/arms/sites/new/").content.decode()
    assert 'id="pick-map"' in page and "arms/pick.js" in page

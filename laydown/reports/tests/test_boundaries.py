"""Administrative boundaries on the map: imported from an OCHA COD-AB style GeoJSON file,
refused with the feature and the reason when bad, drawn under the sites offline, with figures
per area and labels that do not overlap."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from laydown.arms import services as arms
from laydown.arms.models import Site
from laydown.fixtures import ARMS_MANAGER
from laydown.reports import boundaries
from laydown.reports.boundaries import BoundaryError, boundaries_parse, labels_placed
from laydown.testing import signed_in, user_with_role

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fast_password_hashing")]

DEMO = boundaries.DEMO_FILE.read_bytes()


def test_the_demo_file_has_five_areas_with_p_codes_that_tile_the_demo_sites() -> None:
    areas = boundaries_parse(DEMO)
    assert [a.pcode for a in areas] == ["AV01", "AV02", "AV03", "AV04", "AV05"]
    where = {  # the demo's sites (arms/demo.py) and the area each lies in
        (12.31, 42.91): "AV01",
        (12.88, 42.70): "AV02",
        (12.52, 42.38): "AV03",
        (12.02, 42.62): "AV04",
        (12.45, 42.66): "AV05",
        (12.60, 42.45): "AV03",
    }
    for (lon, lat), pcode in where.items():
        inside = [a.pcode for a in areas if a.contains(lon, lat)]
        assert inside == [pcode], (lon, lat, inside)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d.update(type="Feature"), "not a GeoJSON FeatureCollection"),
        (lambda d: d["features"][1]["properties"].pop("ADM1_PCODE"), "feature 2: no P-code"),
        (
            lambda d: d["features"][2]["geometry"].update(type="Point"),
            "feature 3 (AV03): geometry 'Point'",
        ),
        (
            lambda d: d["features"][0]["geometry"]["coordinates"][0][1].__setitem__(1, 123.0),
            "not longitude, latitude",
        ),
        (
            lambda d: d["features"][4]["properties"].update(ADM1_PCODE="AV01"),
            "feature 5: P-code AV01 appears twice",
        ),
    ],
)
def test_a_bad_file_is_refused_naming_the_feature(change: Any, reason: str) -> None:
    document = json.loads(DEMO)
    change(document)
    with pytest.raises(BoundaryError) as caught:
        boundaries_parse(json.dumps(document).encode())
    assert reason in str(caught.value)


def test_the_import_command_keeps_a_good_file_and_refuses_a_bad_one(tmp_path: Path) -> None:
    call_command("boundaries", "import", str(boundaries.DEMO_FILE))
    assert len(boundaries.boundaries_current()) == 5
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(CommandError, match="no features; nothing was changed"):
        call_command("boundaries", "import", str(bad))
    assert len(boundaries.boundaries_current()) == 5  # the kept file is untouched


def test_labels_never_overlap_and_one_that_fits_nowhere_is_left_out() -> None:
    crowded = [(100.0, 100.0, 5.0, "Collection point number one")] * 6
    placed = labels_placed(crowded)
    assert 1 <= len(placed) < 6
    boxes = [(p.x, p.y, p.anchor) for p in placed]
    assert len(set(boxes)) == len(boxes)


def test_the_map_draws_areas_under_the_sites_with_figures_per_area(
    sites: Any, collect: Any
) -> None:
    arms.site_create(
        actor=ARMS_MANAGER,
        code="depot-central",
        name="Central depot",
        kind="storage_depot",
        region="central",
        lat_micro=42_660_000,
        lon_micro=12_450_000,
    )
    for _ in range(3):
        collect(site=arms_site("depot-central"))
    call_command("boundaries", "import", str(boundaries.DEMO_FILE))
    html = (
        signed_in(user_with_role("mgr", "programme_manager")).get("/reports/map/").content.decode()
    )
    assert html.count('data-pcode="AV') == 5
    assert html.index('class="areas"') < html.index("<circle")  # areas drawn first, under
    assert (
        '<th scope="row">Central District</th><td><code>AV05</code></td><td>1</td><td>3</td>'
        in html
    )
    assert 'class="area-label"' in html
    assert 'id="tiled-map"' not in html  # offline: no tile server configured, none asked


def arms_site(code: str) -> Any:
    return Site.objects.get(code=code)


def test_the_map_draws_the_areas_when_no_site_has_a_position_yet() -> None:
    call_command("boundaries", "import", str(boundaries.DEMO_FILE))  # a programme's first day
    answer = signed_in(user_with_role("mgr", "programme_manager")).get("/reports/map/")
    assert answer.status_code == 200  # was a 500: max(1, *nothing)
    html = answer.content.decode()
    assert html.count('data-pcode="AV') == 5 and "<circle" not in html

"""The programme's profile: set from its page by an administrator, a ledger record, replayed,
and shown where the programme presents itself (issue 21)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client

from laydown.accounts import programme
from laydown.accounts.models import ProgrammeProfile
from laydown.arms import services as arms
from laydown.core.errors import ValidationError
from laydown.ledger import replay
from laydown.testing import (
    kinds_logged,
    log_size,
    organisation,
    principal,
    signed_in,
    user_with_role,
)

pytestmark = pytest.mark.django_db
ADMIN = principal("u-admin", ("admin", "programme"))
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
FIELDS = {
    "name": "Northern Peace Programme",
    "operator": "operator",
    "classification": "RESTRICTED",
    "default_language": "az",
    "languages": ["az", "en"],
    "time_zone": "Asia/Baku",
    "regions": [{"code": "north", "name": "North", "pcode": "az01"}],
}


def test_an_administrator_sets_the_profile_as_one_record_that_replay_rebuilds() -> None:
    organisation("operator")
    logo = programme.logo_store(data=PNG)
    profile = programme.programme_profile_set(actor=ADMIN, logo=logo, **FIELDS)
    assert profile.regions == [{"code": "north", "name": "North", "pcode": "AZ01"}]
    assert kinds_logged()[-1] == "accounts.programme_profile_set"
    before = list(ProgrammeProfile.objects.values())
    replay.ledger_replay()
    assert list(ProgrammeProfile.objects.values()) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"operator": "delegation"}, "operator"),
        ({"languages": []}, "languages"),
        ({"default_language": "ru"}, "default_language"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"regions": [{"code": "North Region"}]}, "regions"),
        ({"regions": [{"code": "north", "pcode": "01"}]}, "regions"),
        ({"name": ""}, "name"),
    ],
)
def test_a_bad_profile_is_refused_by_field_and_writes_nothing(
    change: dict[str, object], field: str
) -> None:
    organisation("operator")
    organisation("delegation", kind="observer_delegation")
    before = log_size()
    with pytest.raises(ValidationError) as refused:
        programme.programme_profile_set(actor=ADMIN, **{**FIELDS, **change})  # type: ignore[arg-type]
    assert field in refused.value.fields
    assert log_size() == before


def test_only_an_administrator_sets_the_profile() -> None:
    organisation("operator")
    with pytest.raises(PermissionDenied):
        programme.programme_profile_set(
            actor=principal("u-m", ("programme_manager", "programme")), **FIELDS
        )


def test_sites_are_in_the_programmes_regions_once_it_names_them() -> None:
    organisation("operator")
    programme.programme_profile_set(actor=ADMIN, **FIELDS)
    with pytest.raises(ValidationError) as refused:
        arms.site_create(actor=ADMIN, code="cp", name="CP", kind="collection_point", region="south")
    assert "region" in refused.value.fields
    arms.site_create(actor=ADMIN, code="cp", name="CP", kind="collection_point", region="north")


def test_the_profile_page_saves_and_every_page_shows_the_name_and_marking() -> None:
    client = signed_in(user_with_role("admin1", "admin"))
    form = {
        **{k: v for k, v in FIELDS.items() if k != "regions"},
        "regions": "north | North | AZ01\nsouth | South | AZ02",
    }
    saved = client.post("/accounts/programme/", form)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert [r["code"] for r in programme.programme_profile().regions] == ["north", "south"]  # type: ignore[union-attr]
    page = Client().get("/reports/transparency/")
    text = page.content.decode()
    assert "Northern Peace Programme" in text and "RESTRICTED" in text
    bad = client.post("/accounts/programme/", {**form, "time_zone": "Nowhere/City"})
    assert bad.status_code == 400 and "Nowhere/City" in bad.content.decode()


def test_the_logo_is_served_to_anyone_and_only_a_stored_one() -> None:
    sha = programme.logo_store(data=PNG)
    assert Client().get(f"/accounts/programme/logo/{sha}").status_code == 200
    assert Client().get(f"/accounts/programme/logo/{'0' * 64}").status_code == 404
    with pytest.raises(ValidationError):
        programme.logo_store(data=b"<svg onload=alert(1)>")

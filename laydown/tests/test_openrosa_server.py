"""The OpenRosa endpoints (laydown.openrosa) with Django's test client, as ODK Collect calls them:
Digest challenge and answer, the form list of the device's user, download, manifest and media,
and submissions: written (201), resent (201 again, nothing new), held for review (202), refused
with the field named (400), too large (413), a form the user may not submit (403), a revoked
device (403), no or wrong credentials (401)."""

from __future__ import annotations

import re
import uuid

import pytest
from django.test import Client

from laydown.access.roles import Role
from laydown.access.web import principal_for_user
from laydown.arms.models import AmmoLot, Item, Materiel, Site
from laydown.field import services
from laydown.field.models import Device, Submission, SubmissionStatus
from laydown.ledger.models import Record
from laydown.openrosa import auth, views, xlsforms
from laydown.testing import log_size, signed_in, user_with_role
from laydown.testing.field import LOT, WEAPON, enrolled_clerk
from laydown.testing.openrosa import BASE, call, instance, submit

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
pytestmark = pytest.mark.django_db


def _weapon(**changes: str) -> dict[str, str]:
    return {k: str(v) for k, v in {**WEAPON, **changes}.items()}


def _openrosa_headers(response: object) -> None:
    assert response["X-OpenRosa-Version"] == "1.0"  # type: ignore[index]
    assert response["Date"]  # type: ignore[index]


def test_no_credential_gets_a_digest_challenge_and_a_wrong_password_is_refused(
    sites: dict[str, Site],
) -> None:
    enrolled = enrolled_clerk()
    for uri in (f"{BASE}/formList", f"{BASE}/submission"):
        response = Client().get(uri)
        assert response.status_code == 401
        _openrosa_headers(response)
        assert response["WWW-Authenticate"].startswith('Digest realm="Laydown", qop="auth"')
        assert b'<message nature="error">' in response.content
    wrong = call(Client(), "GET", f"{BASE}/formList", enrolled.device, password="guess")
    assert wrong.status_code == 401
    basic = Client().get(
        f"{BASE}/formList", headers={"Authorization": "Basic " + "eDp5"}
    )  # Basic over plain HTTP is refused whatever it holds
    assert basic.status_code == 401


def test_the_form_list_holds_what_the_user_may_submit_with_hashes_and_urls(
    sites: dict[str, Site],
) -> None:
    enrolled = enrolled_clerk()
    response = call(Client(), "GET", f"{BASE}/formList", enrolled.device)
    assert response.status_code == 200, response.content
    _openrosa_headers(response)
    text = response.content.decode()
    assert text.startswith('<xforms xmlns="http://openrosa.org/xforms/xformsList">')
    assert re.findall("<formID>([^<]+)</formID>", text) == [
        "arms.lot",
        "arms.materiel",
        "arms.weapon",
    ]
    download = re.findall("<downloadUrl>([^<]+)</downloadUrl>", text)[2]
    hash_ = re.findall("<hash>md5:([0-9a-f]{32})</hash>", text)[2]
    form = call(Client(), "GET", download.removeprefix("http://testserver"), enrolled.device)
    assert form.status_code == 200
    assert xlsforms.md5(form.content) == hash_
    manifest_url = re.findall("<manifestUrl>([^<]+)</manifestUrl>", text)[2]
    manifest = call(
        Client(), "GET", manifest_url.removeprefix("http://testserver"), enrolled.device
    )
    body = manifest.content.decode()
    assert body.startswith('<manifest xmlns="http://openrosa.org/xforms/xformsManifest">')
    media_url = re.findall("<downloadUrl>([^<]+)</downloadUrl>", body)[0]
    media = call(Client(), "GET", media_url.removeprefix("http://testserver"), enrolled.device)
    assert media.status_code == 200 and b"cp-north,Collection point North" in media.content
    assert f"md5:{xlsforms.md5(media.content)}" in body
    one = call(Client(), "GET", f"{BASE}/formList?formID=arms.lot", enrolled.device)
    assert re.findall("<formID>([^<]+)</formID>", one.content.decode()) == ["arms.lot"]


def test_a_form_the_user_may_not_submit_is_refused(sites: dict[str, Site]) -> None:
    enrolled = enrolled_clerk()
    response = call(Client(), "GET", f"{BASE}/forms/people.registration/form.xml", enrolled.device)
    assert response.status_code == 403
    assert b"may not submit the form people.registration" in response.content
    _sid, xml = instance("people.registration", {"name": "A", "sex": "f"})
    refused = submit(Client(), enrolled.device, xml)
    assert refused.status_code == 403


def test_head_submission_answers_204_with_the_accepted_length(sites: dict[str, Site]) -> None:
    enrolled = enrolled_clerk()
    response = call(Client(), "HEAD", f"{BASE}/submission", enrolled.device)
    assert response.status_code == 204
    _openrosa_headers(response)
    assert int(response["X-OpenRosa-Accept-Content-Length"]) == views.MAX_SUBMISSION_BYTES


@pytest.mark.parametrize("form", ["arms.lot", "arms.materiel"])
def test_a_lot_or_materiel_with_a_photo_keeps_it(sites: dict[str, Site], form: str) -> None:
    enrolled = enrolled_clerk()
    fields = (
        {**LOT}
        if form == "arms.lot"
        else {"site": "cp-north", "type": "vehicle", "description": "Truck", "quantity": 1}
    )
    _sid, xml = instance(form, {**{k: str(v) for k, v in fields.items()}, "photos": "p.png"})
    answer = submit(Client(), enrolled.device, xml, {"p.png": PNG})
    assert answer.status_code == 201, answer.content
    model = AmmoLot if form == "arms.lot" else Materiel
    row = model.objects.get()
    assert len(row.photos) == 1 and len(row.photos[0]) == 64


def test_a_weapon_with_a_photo_is_registered_once_however_often_it_is_sent(
    sites: dict[str, Site],
) -> None:
    enrolled = enrolled_clerk()
    sid, xml = instance("arms.weapon", {**_weapon(serial="OR-1"), "photos": "photo.png"})
    first = submit(Client(), enrolled.device, xml, {"photo.png": PNG})
    assert first.status_code == 201, first.content
    _openrosa_headers(first)
    assert b'nature="submit_success"' in first.content
    item = Item.objects.get(serial="OR-1")
    assert item.photos and len(item.photos[0]) == 64
    received = Record.objects.get(kind="field.submission_received")
    assert received.data["submission"] == sid
    assert received.data["device"] == enrolled.device.public_id
    assert received.data["device_at"] == "2026-11-29T10:00:00+04:00"
    size = log_size()
    again = submit(
        Client(), enrolled.device, xml, {"photo.png": PNG}, query="?deviceID=collect%3Aabc123"
    )
    assert again.status_code == 201
    assert log_size() == size and Item.objects.filter(serial="OR-1").count() == 1


def test_a_duplicate_serial_is_held_for_review_with_202(sites: dict[str, Site]) -> None:
    enrolled = enrolled_clerk()
    _sid, xml = instance("arms.weapon", _weapon(serial="DUP-1"))
    assert submit(Client(), enrolled.device, xml).status_code == 201
    sid, xml = instance("arms.weapon", _weapon(serial="DUP-1"))
    held = submit(Client(), enrolled.device, xml)
    assert held.status_code == 202, held.content
    assert Submission.objects.get(id=sid).status == SubmissionStatus.NEEDS_REVIEW
    assert Item.objects.filter(serial="DUP-1").count() == 1
    assert submit(Client(), enrolled.device, xml).status_code == 202  # resent: held, once


def test_a_bad_value_is_refused_with_400_naming_the_field(sites: dict[str, Site]) -> None:
    enrolled = enrolled_clerk()
    _sid, xml = instance("arms.weapon", _weapon(year="nineteen"))
    response = submit(Client(), enrolled.device, xml)
    assert response.status_code == 400
    assert b'<OpenRosaResponse xmlns="http://openrosa.org/http/response">' in response.content
    assert b"year" in response.content and b"not a whole number" in response.content
    _sid, xml = instance("arms.weapon", _weapon(year="1200"))
    old = submit(Client(), enrolled.device, xml)
    assert old.status_code == 400 and b"year" in old.content
    _sid, xml = instance("arms.weapon", {**_weapon(), "photos": "gone.jpg"})
    missing = submit(Client(), enrolled.device, xml)
    assert missing.status_code == 400 and b"photos" in missing.content
    assert not Item.objects.exists() and not Submission.objects.exists()


def test_a_submission_over_the_limit_gets_413(sites: dict[str, Site], settings: object) -> None:
    enrolled = enrolled_clerk()
    _sid, xml = instance("arms.weapon", {**_weapon(), "photos": "big.png"})
    big = PNG + b"\0" * views.MAX_SUBMISSION_BYTES
    response = submit(Client(), enrolled.device, xml, {"big.png": big})
    assert response.status_code == 413
    _openrosa_headers(response)


def test_a_revoked_device_is_refused_with_the_reason(sites: dict[str, Site]) -> None:
    enrolled = enrolled_clerk()
    services.device_revoke(
        actor=principal_for_user(enrolled.supervisor), device=enrolled.device, reason="lost"
    )
    response = call(Client(), "GET", f"{BASE}/formList", enrolled.device)
    assert response.status_code == 403
    assert b"revoked" in response.content


def test_a_registration_with_screening_maps_its_groups_to_the_payload(
    sites: dict[str, Site],
) -> None:
    registrar = user_with_role("registrar", Role.REGISTRAR)
    boss = user_with_role("boss", Role.PROGRAMME_MANAGER)
    device, _secret = services.device_enrol(
        actor=principal_for_user(boss), user=registrar, name="phone"
    )
    answers = {
        "name": "Ana Example",
        "age": "30",
        "sex": "f",
        "category": "combatant",
        "region": "north",
        "contact__phone": "+994 50 000 00 00",
        "profile__skills": "driving, cooking",
        "screening__answers__names_unit": "yes",
        "screening__answers__weapon_handling": "yes",
        "screening__answers__handed_in": "yes",
        "screening__answers__on_group_list": "yes",
        "screening__answers__before_cut_off": "yes",
        "screening__decision": "eligible",
        "photo_base64": "face.png",
    }
    _sid, xml = instance("people.registration", answers)
    response = submit(Client(), device, xml, {"face.png": PNG})
    assert response.status_code == 201, response.content
    assert Record.objects.filter(kind="people.screened").exists()
    assert Record.objects.filter(kind="people.registered").count() == 1


def test_the_qr_settings_decode_to_what_collect_reads(sites: dict[str, Site]) -> None:
    import base64
    import json
    import zlib

    enrolled = enrolled_clerk()
    code = auth.collect_settings(
        server_url="https://laydown.example/openrosa", device=enrolled.device, project="Laydown"
    )
    settings = json.loads(zlib.decompress(base64.b64decode(code)))
    assert settings["general"] == {
        "server_url": "https://laydown.example/openrosa",
        "username": enrolled.device.public_id,
        "password": auth.device_password(enrolled.device),
    }
    assert settings["admin"] == {} and settings["project"] == {"name": "Laydown"}
    assert str(uuid.UUID(int=0))  # the module imports uuid for instance ids


def test_the_enrolment_page_shows_the_collect_settings_once(sites: dict[str, Site]) -> None:
    enrolled = enrolled_clerk()
    boss = signed_in(enrolled.supervisor, verified=False)
    page = boss.post("/field/devices/", {"user": "clerk", "name": "phone 7", "days": "30"})
    assert page.status_code == 200
    device = Device.objects.get(name="phone 7")
    text = page.content.decode()
    assert 'id="collect-qr"' in text and "<svg" in text
    assert "http://testserver/openrosa<" in text
    assert device.public_id in text and auth.device_password(device) in text
    assert Record.objects.filter(kind="field.device_enrolled").count() == 2
    again = boss.get("/field/devices/").content.decode()
    assert auth.device_password(device) not in again
    listed = call(Client(), "GET", f"{BASE}/formList", device)
    assert listed.status_code == 200


def test_basic_authentication_is_taken_over_https_only(sites: dict[str, Site]) -> None:
    import base64

    enrolled = enrolled_clerk()
    pair = f"{enrolled.device.public_id}:{auth.device_password(enrolled.device)}"
    header = {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}
    assert Client().get(f"{BASE}/formList", headers=header, secure=True).status_code == 200
    assert Client().get(f"{BASE}/formList", headers=header).status_code == 401
    wrong = {"Authorization": "Basic " + base64.b64encode(b"x:y").decode()}
    assert Client().get(f"{BASE}/formList", headers=wrong, secure=True).status_code == 401


def test_an_expired_device_is_refused_with_the_reason(sites: dict[str, Site]) -> None:
    import datetime as dt

    from django.utils import timezone

    enrolled = enrolled_clerk()
    Device.objects.filter(pk=enrolled.device.pk).update(
        expires_at=timezone.now() - dt.timedelta(days=1)
    )
    _sid, xml = instance("arms.weapon", _weapon(serial="LATE-1"))
    response = submit(Client(), enrolled.device, xml)
    assert response.status_code == 403 and b"expired" in response.content
    assert not Item.objects.filter(serial="LATE-1").exists()

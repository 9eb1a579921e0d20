"""Encrypted XForm submissions (ODK's encryption spec) for the demobilization form: the form
served carries the server's form key as `base64RsaPublicKey`; a registration encrypted as ODK
Collect encrypts it (laydown.testing.odk_encryption, written from the spec) is decrypted,
its signature checked, and run through the same path as the page: the person's identity and
photo are in the vault, nothing personal is in the ledger; resent, it writes nothing; a
tampered or foreign submission is refused with 400 naming the part, and nothing is written."""

from __future__ import annotations

import json
from typing import Any

import pytest
from defusedxml import ElementTree
from django.test import Client

from laydown.access.roles import Role
from laydown.access.web import principal_for_user
from laydown.accounts.models import User
from laydown.arms.models import Site
from laydown.field import services
from laydown.ledger.models import Record
from laydown.people.models import Participant
from laydown.people.permissions import PERSONAL_DATA
from laydown.testing import log_size, user_with_role
from laydown.testing.odk_encryption import encrypt_submission
from laydown.testing.openrosa import BASE, call, instance, submit
from laydown.vault import odk_encryption
from laydown.vault.services import vault_read

pytestmark = pytest.mark.django_db
XFORMS_NS = "{http://www.w3.org/2002/xforms}"
XHTML_NS = "{http://www.w3.org/1999/xhtml}"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
ANSWERS = {
    "name": "Ana Encrypted",
    "age": "30",
    "sex": "f",
    "category": "combatant",
    "region": "north",
    "contact__phone": "+994 50 000 00 01",
    "screening__answers__names_unit": "yes",
    "screening__answers__weapon_handling": "yes",
    "screening__answers__handed_in": "yes",
    "screening__answers__on_group_list": "yes",
    "screening__answers__before_cut_off": "yes",
    "screening__decision": "eligible",
    "photo_base64": "face.png",
}


@pytest.fixture
def registrar_device(sites: dict[str, Site]) -> Any:
    registrar = user_with_role("registrar", Role.REGISTRAR)
    boss = user_with_role("boss", Role.PROGRAMME_MANAGER)
    device, _secret = services.device_enrol(
        actor=principal_for_user(boss), user=registrar, name="phone"
    )
    return device


def _served_form(device: Any) -> tuple[str, str]:
    """(version, base64RsaPublicKey) of the demobilization form as a device downloads it."""
    response = call(Client(), "GET", f"{BASE}/forms/people.registration/form.xml", device)
    assert response.status_code == 200, response.content
    xform = ElementTree.fromstring(response.content)
    model = xform.find(f"{XHTML_NS}head/{XFORMS_NS}model")
    primary = model.find(f"{XFORMS_NS}instance")[0]
    submission = model.find(f"{XFORMS_NS}submission")
    assert submission is not None, "the demobilization form is not encrypted"
    return primary.get("version"), submission.get("base64RsaPublicKey")


def _encrypted(device: Any, answers: dict[str, str], **options: Any) -> tuple[str, bytes, dict]:
    version, key = _served_form(device)
    sid, xml = instance("people.registration", answers, version=version)
    manifest, files = encrypt_submission(
        xml=xml,
        form_id="people.registration",
        version=version,
        instance_id=f"uuid:{sid}",
        base64_rsa_public_key=key,
        media={"face.png": PNG},
        **options,
    )
    return sid, manifest, files


def test_the_demobilization_form_carries_the_servers_form_key(registrar_device: Any) -> None:
    _version, key = _served_form(registrar_device)
    assert key == odk_encryption.public_key_base64()
    weapon = call(Client(), "GET", f"{BASE}/formList", registrar_device)
    assert weapon.status_code == 200


@pytest.mark.parametrize("mgf1", ["sha256", "sha1"])
def test_an_encrypted_registration_lands_in_the_vault_once(
    registrar_device: Any, mgf1: str
) -> None:
    sid, manifest, files = _encrypted(registrar_device, ANSWERS, mgf1=mgf1)
    assert b"Ana Encrypted" not in manifest + b"".join(files.values())
    response = submit(Client(), registrar_device, manifest, files)
    assert response.status_code == 201, response.content
    [participant] = Participant.objects.all()
    registered = Record.objects.get(kind="people.registered")
    assert Record.objects.get(kind="field.submission_received").data["submission"] == sid
    ledger = json.dumps([r.data for r in Record.objects.all()])
    assert "Ana Encrypted" not in ledger and "+994 50 000 00 01" not in ledger
    assert registered.data  # pseudonymous
    registrar = principal_for_user(User.objects.get(username="registrar"))
    personal = vault_read(
        principal=registrar,
        action=PERSONAL_DATA.name,
        subject=participant.pseudonym,
        categories=["identity", "photo"],
        purpose="test: the encrypted registration arrived whole",
    )
    assert personal["identity"]["name"] == "Ana Encrypted"
    assert personal["photo"]
    size = log_size()
    again = submit(Client(), registrar_device, manifest, files)
    assert again.status_code == 201
    assert log_size() == size and Participant.objects.count() == 1


def test_a_tampered_or_foreign_encrypted_submission_is_refused_by_name(
    registrar_device: Any,
) -> None:
    _sid, manifest, files = _encrypted(registrar_device, ANSWERS)
    swapped = {**files, "face.png.enc": files["face.png.enc"][::-1]}
    refused = submit(Client(), registrar_device, manifest, swapped)
    assert refused.status_code == 400
    assert b"face.png.enc" in refused.content or b"signature" in refused.content
    missing = {k: v for k, v in files.items() if k != "submission.xml.enc"}
    lacking = submit(Client(), registrar_device, manifest, missing)
    assert lacking.status_code == 400 and b"lacks submission.xml.enc" in lacking.content
    from cryptography.hazmat.primitives.asymmetric import rsa

    other = odk_encryption.public_key_base64(
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    version, _key = _served_form(registrar_device)
    sid, xml = instance("people.registration", ANSWERS, version=version)
    foreign, foreign_files = encrypt_submission(
        xml=xml,
        form_id="people.registration",
        version=version,
        instance_id=f"uuid:{sid}",
        base64_rsa_public_key=other,
    )
    wrong_key = submit(Client(), registrar_device, foreign, foreign_files)
    assert wrong_key.status_code == 400
    assert b"does not open with this server" in wrong_key.content
    assert not Participant.objects.exists()
    assert not Record.objects.filter(kind="field.submission_received").exists()

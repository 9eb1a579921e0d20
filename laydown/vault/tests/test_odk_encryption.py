"""ODK encrypted submissions: the server's decryption (laydown.vault.odk_encryption) against an
encryptor written from the spec (laydown.testing.odk_encryption), and the form key's file."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import override_settings

from laydown.core.errors import ConfigurationError
from laydown.testing.odk_encryption import encrypt_submission
from laydown.vault import odk_encryption as odk

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PUBLIC = odk.public_key_base64(KEY)
RECORD = (
    b'<data id="demobilization" version="7"><name>\xd0\x90\xd0\xbd\xd0\xbd\xd0\xb0</name>'
    b"<meta><instanceID>uuid:6f1f3c1e-9d1a-4f8e-9a52-0d9f1c2b3a4d</instanceID></meta></data>"
)
PHOTO = bytes(range(256)) * 800  # 200 KiB, not a multiple of the block plus one
IID = "uuid:6f1f3c1e-9d1a-4f8e-9a52-0d9f1c2b3a4d"


def _encrypt(**kwargs: object) -> tuple[bytes, dict[str, bytes]]:
    options: dict = {
        "xml": RECORD,
        "form_id": "demobilization",
        "version": "7",
        "instance_id": IID,
        "base64_rsa_public_key": PUBLIC,
        "media": {"face.jpg": PHOTO + b"x", "id-card.png": b"card"},
    }
    options.update(kwargs)
    return encrypt_submission(**options)


@pytest.mark.parametrize("mgf1", ["sha256", "sha1"])
def test_round_trip_with_media_and_signature(mgf1: str) -> None:
    manifest_xml, files = _encrypt(mgf1=mgf1)
    manifest = odk.manifest_of(manifest_xml)
    assert manifest is not None
    assert manifest.form_id == "demobilization" and manifest.version == "7"
    assert manifest.instance_id == IID
    assert manifest.media == ["face.jpg.enc", "id-card.png.enc"]
    assert set(files) == {"face.jpg.enc", "id-card.png.enc", "submission.xml.enc"}
    assert RECORD not in files["submission.xml.enc"]
    opened = odk.decrypt(manifest, files, KEY)
    assert opened.xml == RECORD
    assert opened.media == {"face.jpg": PHOTO + b"x", "id-card.png": b"card"}
    assert opened.signed


def test_without_version_media_or_signature() -> None:
    manifest_xml, files = _encrypt(version="", media={}, sign=False)
    manifest = odk.manifest_of(manifest_xml)
    assert manifest is not None and manifest.version == "" and not manifest.signature
    opened = odk.decrypt(manifest, files, KEY)
    assert opened.xml == RECORD and opened.media == {} and not opened.signed


def test_plain_submission_is_not_a_manifest() -> None:
    assert odk.manifest_of(RECORD) is None
    assert odk.manifest_of(b"not xml") is None


def test_tampered_file_or_signature_is_refused_by_name() -> None:
    manifest_xml, files = _encrypt()
    manifest = odk.manifest_of(manifest_xml)
    assert manifest is not None
    # a swapped media file decrypts to other bytes: the signature says so
    swapped = {**files, "id-card.png.enc": files["face.jpg.enc"][:16]}
    with pytest.raises(odk.UndecryptableSubmission, match="signature|id-card.png.enc"):
        odk.decrypt(manifest, swapped, KEY)
    with pytest.raises(odk.UndecryptableSubmission, match="lacks submission.xml.enc"):
        odk.decrypt(manifest, {k: v for k, v in files.items() if k != "submission.xml.enc"}, KEY)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with pytest.raises(odk.UndecryptableSubmission, match="base64EncryptedKey does not open"):
        odk.decrypt(manifest, files, other)
    forged = manifest_xml.replace(b"<data ", b'<data version="8" ').replace(b' version="7"', b"")
    forged_manifest = odk.manifest_of(forged)
    assert forged_manifest is not None
    with pytest.raises(odk.UndecryptableSubmission, match="signature does not match"):
        odk.decrypt(forged_manifest, files, KEY)


def test_manifest_without_key_is_named() -> None:
    manifest_xml, _ = _encrypt()
    start = manifest_xml.index(b"<base64EncryptedKey>")
    end = manifest_xml.index(b"</base64EncryptedKey>") + len(b"</base64EncryptedKey>")
    with pytest.raises(odk.UndecryptableSubmission, match="no base64EncryptedKey"):
        odk.manifest_of(manifest_xml[:start] + manifest_xml[end:])


def test_form_key_file_is_private_and_stable(tmp_path: Path) -> None:
    with override_settings(DATA_DIR=str(tmp_path)):
        odk.form_private_key.cache_clear()
        with pytest.raises(ConfigurationError, match="laydown keys init"):
            odk.form_private_key()
        assert odk.form_key_create_if_absent()
        assert not odk.form_key_create_if_absent()
        path = tmp_path / odk.KEY_FILE
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        public = odk.public_key_base64()
        assert base64.b64decode(public)[:2] == b"\x30\x82"  # DER SubjectPublicKeyInfo
        assert public == odk.public_key_base64()
        path.chmod(0o644)
        odk.form_private_key.cache_clear()
        with pytest.raises(ConfigurationError, match="chmod"):
            odk.form_private_key()
    odk.form_private_key.cache_clear()

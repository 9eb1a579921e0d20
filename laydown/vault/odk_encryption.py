"""Encrypted XForm submissions (ODK's encryption spec, https://getodk.github.io/xforms-spec/encryption).

A form whose submission element carries `base64RsaPublicKey` is filled and sent encrypted end to
end: ODK Collect (or Enketo) makes a random AES-256 key per record, encrypts every media file and
then the record's XML with AES/CFB and PKCS#7 padding, each file with its own IV (the MD5 of the
instanceID and the key, one byte incremented per file), encrypts the AES key with the form's RSA
public key (OAEP, SHA-256), and sends a small manifest as `xml_submission_file` naming the
`.enc` files. The signature is the RSA encryption of an MD5 over the form id, version, encrypted
key, instanceID and each file's name and MD5, so it is checked by decrypting it with the private
key.

The installation's form key is an RSA-2048 private key in the data directory (`openrosa.key`,
mode 0600, created by `laydown keys init`, carried by backups like the other keys); only its
public half leaves the server, in the forms served.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element  # noqa: S405 - types only; parsing is defusedxml's

from cryptography.hazmat.decrepit.ciphers.modes import CFB  # ODK's spec: AES in CFB mode
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import MGF1, OAEP
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from defusedxml import ElementTree
from django.conf import settings
from django.utils.translation import gettext as _

from laydown.core.errors import ConfigurationError
from laydown.core.private import exposed_key_problem

KEY_FILE = "openrosa.key"
KEY_BITS = 2048
SUBMISSIONS_NS = "http://opendatakit.org/submissions"
OPENROSA_XFORMS_NS = "http://openrosa.org/xforms"
XML_FILE = "submission.xml"  # the record's own name once decrypted
MAX_MEDIA = 100


class UndecryptableSubmission(ValueError):
    """An encrypted submission that cannot be opened or whose signature does not match; the
    message says which part and why (for the OpenRosa 400 answer and the review queue)."""


def form_key_path() -> Path:
    return Path(settings.DATA_DIR) / KEY_FILE


def form_key_create_if_absent() -> bool:
    """Create the form key (RSA-2048, PKCS#8 PEM, mode 0600) if absent; True if created."""
    path = form_key_path()
    if path.exists():
        return False
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    form_private_key.cache_clear()
    return True


@functools.lru_cache(maxsize=1)
def form_private_key() -> rsa.RSAPrivateKey:
    path = form_key_path()
    try:
        pem = path.read_bytes()
    except FileNotFoundError:
        raise ConfigurationError(
            f"The OpenRosa form key is missing at {path}: run `laydown keys init`."
        ) from None
    problem = exposed_key_problem(path)
    if problem:
        raise ConfigurationError(problem)
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigurationError(f"The OpenRosa form key {path} is not an RSA key.")
    return key


def public_key_base64(key: rsa.RSAPrivateKey | None = None) -> str:
    """The value of the form's `base64RsaPublicKey` (XLSForm setting `public_key`): the
    base64 of the DER SubjectPublicKeyInfo, without PEM armour."""
    private = key or form_private_key()
    der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


# OAEP with SHA-256. Collect (BouncyCastle on Android) and ODK Central use MGF1 with SHA-256;
# Java 8's SunJCE provider, which the spec names, uses MGF1 with SHA-1: both are accepted.
OAEP_PADDINGS = (
    OAEP(mgf=MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None),
    OAEP(mgf=MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA256(), label=None),  # noqa: S303
)


@dataclass(frozen=True)
class Manifest:
    """The submission manifest an encrypting client sends as `xml_submission_file`."""

    form_id: str
    version: str
    instance_id: str
    encrypted_key: str
    xml_file: str
    media: list[str] = field(default_factory=list)
    signature: str = ""


def _child(root: Element, name: str, ns: str = SUBMISSIONS_NS) -> Element | None:
    found = root.find(f"{{{ns}}}{name}")
    if found is None:
        found = root.find(name)  # spec examples are namespaced; be lenient with clients
    return found


def _text(root: Element, name: str, ns: str = SUBMISSIONS_NS) -> str:
    found = _child(root, name, ns)
    return (found.text or "").strip() if found is not None else ""


def manifest_of(xml: bytes) -> Manifest | None:
    """The manifest if `xml` is an encrypted submission's (root attribute encrypted="yes"),
    else None. Raises UndecryptableSubmission when it is one but a required part is missing."""
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError:
        return None  # not XML at all: the plain submission path reports it
    if (root.get("encrypted") or "").lower() != "yes":
        return None
    meta = _child(root, "meta", OPENROSA_XFORMS_NS)
    instance_id = _text(meta, "instanceID", OPENROSA_XFORMS_NS) if meta is not None else ""
    media = []
    for element in root.iter():
        if element.tag in (f"{{{SUBMISSIONS_NS}}}media", "media"):
            name = _text(element, "file")
            if name:
                media.append(name)
    manifest = Manifest(
        form_id=root.get("id") or "",
        version=root.get("version") or "",
        instance_id=instance_id,
        encrypted_key=_text(root, "base64EncryptedKey"),
        xml_file=_text(root, "encryptedXmlFile"),
        media=media,
        signature=_text(root, "base64EncryptedElementSignature"),
    )
    for label, value in (
        ("id", manifest.form_id),
        ("meta/instanceID", manifest.instance_id),
        ("base64EncryptedKey", manifest.encrypted_key),
        ("encryptedXmlFile", manifest.xml_file),
    ):
        if not value:
            raise UndecryptableSubmission(
                _("The encrypted submission's manifest has no %(part)s.") % {"part": label}
            )
    if len(media) > MAX_MEDIA:
        raise UndecryptableSubmission(
            _("The encrypted submission names over %(count)d files.") % {"count": MAX_MEDIA}
        )
    return manifest


def _rsa_decrypt(key: rsa.RSAPrivateKey, value: str, what: str) -> bytes:
    try:
        data = base64.b64decode(value, validate=True)
    except ValueError:
        raise UndecryptableSubmission(_("%(part)s is not base64.") % {"part": what}) from None
    for oaep in OAEP_PADDINGS:
        try:
            return key.decrypt(data, oaep)
        except ValueError:
            continue
    raise UndecryptableSubmission(
        _(
            "%(part)s does not open with this server's form key: was the form downloaded "
            "from this server?"
        )
        % {"part": what}
    )


def ivs(instance_id: str, key: bytes) -> list[bytes]:
    """The IVs of a record's files, in the order of encryption (media first, then the XML)."""
    seed = bytearray(hashlib.md5(instance_id.encode() + key).digest())  # noqa: S324 - the spec's
    out = []
    for counter in range(MAX_MEDIA + 1):
        seed[counter % 16] = (seed[counter % 16] + 1) % 256
        out.append(bytes(seed))
    return out


def aes_decrypt(key: bytes, iv: bytes, data: bytes, name: str) -> bytes:
    decryptor = Cipher(algorithms.AES(key), CFB(iv)).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise UndecryptableSubmission(
            _("%(file)s does not decrypt with the record's key.") % {"file": name}
        ) from None


def original_name(encrypted_name: str) -> str:
    return encrypted_name[: -len(".enc")] if encrypted_name.endswith(".enc") else encrypted_name


def signature_digest(manifest: Manifest, plain: list[tuple[str, bytes]]) -> bytes:
    """MD5 of the spec's signed text: form id, version (if any), encrypted key, instanceID,
    then `name::md5hex` of each original file in the order of encryption, each on its line."""
    lines = [manifest.form_id]
    if manifest.version:
        lines.append(manifest.version)
    lines += [manifest.encrypted_key, manifest.instance_id]
    lines += [f"{name}::{hashlib.md5(data).hexdigest()}" for name, data in plain]  # noqa: S324
    return hashlib.md5(("\n".join(lines) + "\n").encode()).digest()  # noqa: S324


@dataclass(frozen=True)
class Decrypted:
    xml: bytes
    media: dict[str, bytes]  # original file name -> content
    signed: bool  # a signature was sent and matched


def decrypt(
    manifest: Manifest, files: Mapping[str, bytes], key: rsa.RSAPrivateKey | None = None
) -> Decrypted:
    """Open an encrypted submission: `files` are the uploaded parts by file name (the .enc
    files). Raises UndecryptableSubmission naming the part at fault."""
    private = key or form_private_key()
    aes_key = _rsa_decrypt(private, manifest.encrypted_key, "base64EncryptedKey")
    if len(aes_key) != 32:
        raise UndecryptableSubmission(
            _("%(part)s is not an AES-256 key.") % {"part": "base64EncryptedKey"}
        )
    order = [*manifest.media, manifest.xml_file]
    missing = [name for name in order if name not in files]
    if missing:
        raise UndecryptableSubmission(
            _("The encrypted submission lacks %(files)s.") % {"files": ", ".join(missing)}
        )
    plain: list[tuple[str, bytes]] = []
    for name, iv in zip(order, ivs(manifest.instance_id, aes_key), strict=False):
        plain.append((original_name(name), aes_decrypt(aes_key, iv, files[name], name)))
    signed = False
    if manifest.signature:
        sent = _rsa_decrypt(private, manifest.signature, "base64EncryptedElementSignature")
        if not hmac.compare_digest(sent, signature_digest(manifest, plain)):
            raise UndecryptableSubmission(
                _("The encrypted submission's signature does not match its files.")
            )
        signed = True
    *media, (_name, xml) = plain
    return Decrypted(xml=xml, media=dict(media), signed=signed)

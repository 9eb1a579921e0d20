"""An encrypting OpenRosa client for the tests, written from ODK's encryption spec
(https://getodk.github.io/xforms-spec/encryption) and independent of the server's decryption
(laydown/vault/odk_encryption.py): what ODK Collect does when the form it filled carries a
`base64RsaPublicKey`. It returns the parts of the multipart POST to /submission."""

from __future__ import annotations

import base64
import hashlib
import os
from xml.sax.saxutils import escape, quoteattr

from cryptography.hazmat.decrepit.ciphers.modes import CFB  # ODK's spec: AES in CFB mode
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms


def _public_key(base64_rsa_public_key: str) -> rsa.RSAPublicKey:
    key = serialization.load_der_public_key(base64.b64decode(base64_rsa_public_key))
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def _oaep(mgf1: str) -> padding.OAEP:
    # "RSA/NONE/OAEPWithSHA256AndMGF1Padding": Collect (BouncyCastle) has MGF1 with SHA-256,
    # Java 8's SunJCE MGF1 with SHA-1.
    mgf_hash: hashes.HashAlgorithm = hashes.SHA256() if mgf1 == "sha256" else hashes.SHA1()  # noqa: S303
    return padding.OAEP(mgf=padding.MGF1(algorithm=mgf_hash), algorithm=hashes.SHA256(), label=None)


def _encrypt_file(key: bytes, iv: bytes, data: bytes) -> bytes:
    pad = 16 - len(data) % 16  # PKCS#5 as Java names it, PKCS#7 on 16-byte blocks
    encryptor = Cipher(algorithms.AES(key), CFB(iv)).encryptor()
    return encryptor.update(data + bytes([pad]) * pad) + encryptor.finalize()


def encrypt_submission(
    *,
    xml: bytes,
    form_id: str,
    version: str,
    instance_id: str,
    base64_rsa_public_key: str,
    media: dict[str, bytes] | None = None,
    mgf1: str = "sha256",
    sign: bool = True,
) -> tuple[bytes, dict[str, bytes]]:
    """(manifest XML for xml_submission_file, {file name: encrypted bytes} to attach)."""
    media = media or {}
    public = _public_key(base64_rsa_public_key)
    key = os.urandom(32)
    encrypted_key = base64.b64encode(public.encrypt(key, _oaep(mgf1))).decode()
    seed = bytearray(hashlib.md5(instance_id.encode("utf-8") + key).digest())  # noqa: S324
    files: dict[str, bytes] = {}
    signed_lines = [form_id, *([version] if version else []), encrypted_key, instance_id]
    order = [*media.items(), ("submission.xml", xml)]
    for counter, (name, data) in enumerate(order):
        seed[counter % 16] = (seed[counter % 16] + 1) & 0xFF
        files[f"{name}.enc"] = _encrypt_file(key, bytes(seed), data)
        signed_lines.append(f"{name}::{hashlib.md5(data).hexdigest()}")  # noqa: S324
    digest = hashlib.md5(("\n".join(signed_lines) + "\n").encode("utf-8")).digest()  # noqa: S324
    signature = base64.b64encode(public.encrypt(digest, _oaep(mgf1))).decode()
    version_attr = f" version={quoteattr(version)}" if version else ""
    media_xml = "".join(f"<media><file>{escape(name)}.enc</file></media>" for name in media)
    manifest = (
        f'<data xmlns="http://opendatakit.org/submissions" id={quoteattr(form_id)}'
        f' encrypted="yes"{version_attr}>'
        f"<base64EncryptedKey>{encrypted_key}</base64EncryptedKey>"
        f"<encryptedXmlFile>submission.xml.enc</encryptedXmlFile>{media_xml}"
        + (
            f"<base64EncryptedElementSignature>{signature}</base64EncryptedElementSignature>"
            if sign
            else ""
        )
        + f'<meta xmlns="http://openrosa.org/xforms"><instanceID>{escape(instance_id)}</instanceID>'
        "</meta></data>"
    )
    return manifest.encode("utf-8"), files

"""Shared by the OpenRosa tests: a device's Digest credential answered as ODK Collect does (first
request unauthenticated, 401 with the challenge, then the same request with `Authorization`), and
submission instances as Collect writes them."""

from __future__ import annotations

import hashlib
import io
import uuid
from typing import Any
from xml.sax.saxutils import escape

from django.test import Client

from laydown.field.models import Device
from laydown.openrosa import auth

BASE = "/openrosa"


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def digest_header(
    challenge: str, *, method: str, uri: str, username: str, password: str, nc: int = 1
) -> str:
    params = auth.parse_params(challenge.removeprefix("Digest "))
    cnonce = uuid.uuid4().hex[:16]
    ha1 = _md5(f"{username}:{params['realm']}:{password}")
    ha2 = _md5(f"{method}:{uri}")
    count = f"{nc:08x}"
    response = _md5(f"{ha1}:{params['nonce']}:{count}:{cnonce}:auth:{ha2}")
    return (
        f'Digest username="{username}", realm="{params["realm"]}", nonce="{params["nonce"]}", '
        f'uri="{uri}", algorithm=MD5, qop=auth, nc={count}, cnonce="{cnonce}", '
        f'response="{response}"'
    )


def call(
    client: Client,
    method: str,
    uri: str,
    device: Device | None,
    password: str | None = None,
    **kwargs: Any,
) -> Any:
    """`method` `uri` as Collect sends it: unauthenticated first, then answering the challenge
    with the device's credential (its own password unless `password` is given)."""
    send = getattr(client, method.lower())
    first = send(uri, **kwargs)
    if first.status_code != 401 or device is None:
        return first
    header = digest_header(
        first["WWW-Authenticate"],
        method=method.upper(),
        uri=uri,
        username=device.public_id,
        password=password if password is not None else auth.device_password(device),
    )
    if "data" in kwargs:  # a multipart body is read once: build it again
        kwargs = {**kwargs, "data": _rewound(kwargs["data"])}
    return send(uri, headers={"Authorization": header}, **kwargs)


def _rewound(data: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in data.items():
        if hasattr(value, "seek"):
            value.seek(0)
        out[key] = value
    return out


def instance(
    form: str, answers: dict[str, str], sid: str | None = None, version: str = "1"
) -> tuple[str, bytes]:
    """A submission of `form` with `answers` (question name -> text), as Collect writes it."""
    sid = sid or str(uuid.uuid4())
    body = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in answers.items())
    xml = (
        f'<data xmlns:jr="http://openrosa.org/javarosa" '
        f'xmlns:orx="http://openrosa.org/xforms" id="{form}" version="{version}">'
        "<start>2026-11-29T09:58:00.000+04:00</start><end>2026-11-29T10:00:00.000+04:00</end>"
        f"{body}<meta><instanceID>uuid:{sid}</instanceID></meta></data>"
    )
    return sid, xml.encode()


def submit(
    client: Client,
    device: Device | None,
    xml: bytes,
    files: dict[str, bytes] | None = None,
    password: str | None = None,
    query: str = "",
) -> Any:
    """POST `xml` and `files` to /submission (`query`: e.g. Collect's `?deviceID=...`)."""
    data: dict[str, Any] = {"xml_submission_file": _named(io.BytesIO(xml), "submission.xml")}
    for name, content in (files or {}).items():
        data[name] = _named(io.BytesIO(content), name)
    return call(client, "POST", f"{BASE}/submission{query}", device, password, data=data)


def _named(handle: io.BytesIO, name: str) -> io.BytesIO:
    handle.name = name
    return handle

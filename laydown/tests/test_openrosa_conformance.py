"""Every OpenRosa endpoint against the OpenRosa 1.0 specification (docs.getodk.org/openrosa:
HTTP request and response headers, the Form List API, the Form Overview API (manifests), the
Form Submission API and the OpenRosa response body), read with an XML parser and namespaces,
not with string matching: `X-OpenRosa-Version: 1.0` and `Date` on every answer, errors included;
XML answers typed `text/xml` with their charset; the documented status codes; `md5:` hashes that
are the MD5 of what is downloaded; `X-OpenRosa-Accept-Content-Length` on HEAD and POST.
Runs on SQLite and PostgreSQL (no browser)."""

from __future__ import annotations

import email.utils
import hashlib
import re
from typing import Any
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree
from django.test import Client

from laydown.access.web import principal_for_user
from laydown.arms.models import Site
from laydown.field import services
from laydown.testing.field import WEAPON, Enrolled, enrolled_clerk
from laydown.testing.openrosa import BASE, call, instance, submit

pytestmark = pytest.mark.django_db

LIST_NS = "{http://openrosa.org/xforms/xformsList}"
MANIFEST_NS = "{http://openrosa.org/xforms/xformsManifest}"
RESPONSE_NS = "{http://openrosa.org/http/response}"
XFORMS_NS = "{http://www.w3.org/2002/xforms}"
XHTML_NS = "{http://www.w3.org/1999/xhtml}"
WEAPON_TEXT = {k: str(v) for k, v in WEAPON.items()}
MD5 = re.compile(r"^md5:[0-9a-f]{32}$")
OPENROSA = {"HTTP_X_OPENROSA_VERSION": "1.0"}  # as every OpenRosa client sends it


def headers_conform(response: Any, *, body: bool = True) -> None:
    """The headers every OpenRosa answer carries (the spec's "HTTP Request API")."""
    assert response["X-OpenRosa-Version"] == "1.0", response.status_code
    date = email.utils.parsedate_to_datetime(response["Date"])
    assert date.tzinfo is not None  # an RFC 7231 date, in GMT
    if body and response.content:
        kind = response["Content-Type"].replace(" ", "").lower()
        assert kind in ("text/xml;charset=utf-8", "application/xml;charset=utf-8"), kind


def openrosa_message(response: Any) -> Element:
    """The OpenRosa response body: <OpenRosaResponse> in its namespace with a <message>."""
    headers_conform(response)
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{RESPONSE_NS}OpenRosaResponse", root.tag
    message = root.find(f"{RESPONSE_NS}message")
    assert message is not None and (message.text or "").strip(), response.content
    return message


def _get(client: Client, url: str, device: Any) -> Any:
    path = urlsplit(url).path if url.startswith("http") else url
    return call(client, "GET", path, device, **OPENROSA)


def _md5(data: bytes) -> str:
    return "md5:" + hashlib.md5(data, usedforsecurity=False).hexdigest()


@pytest.fixture
def clerk(sites: dict[str, Site]) -> Enrolled:
    return enrolled_clerk()


def test_form_list_api(clerk: Enrolled) -> None:
    client = Client()
    response = _get(client, f"{BASE}/formList", clerk.device)
    assert response.status_code == 200
    headers_conform(response)
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{LIST_NS}xforms"
    forms = root.findall(f"{LIST_NS}xform")
    assert forms
    for form in forms:
        fields = {child.tag.removeprefix(LIST_NS): (child.text or "") for child in form}
        assert {"formID", "name", "version", "hash", "downloadUrl"} <= set(fields), fields
        assert all(child.tag.startswith(LIST_NS) for child in form)
        assert MD5.match(fields["hash"]), fields["hash"]
        assert urlsplit(fields["downloadUrl"]).scheme in ("http", "https")
        download = _get(client, fields["downloadUrl"], clerk.device)
        assert download.status_code == 200
        headers_conform(download)
        assert _md5(download.content) == fields["hash"]
        xform = ElementTree.fromstring(download.content)
        assert xform.tag == f"{XHTML_NS}html"
        model = xform.find(f"{XHTML_NS}head/{XFORMS_NS}model")
        assert model is not None
        primary = model.find(f"{XFORMS_NS}instance")[0]
        assert primary.get("id") == fields["formID"]
        assert primary.get("version") == fields["version"]
        if "manifestUrl" in fields:
            manifest_conforms(client, clerk, fields["manifestUrl"])
    one = _get(client, f"{BASE}/formList?formID=arms.lot", clerk.device)
    ids = [x.findtext(f"{LIST_NS}formID") for x in ElementTree.fromstring(one.content)]
    assert ids == ["arms.lot"]
    verbose = _get(client, f"{BASE}/formList?verbose=true", clerk.device)
    assert verbose.status_code == 200
    assert ElementTree.fromstring(verbose.content).tag == f"{LIST_NS}xforms"


def manifest_conforms(client: Client, clerk: Enrolled, url: str) -> None:
    response = _get(client, url, clerk.device)
    assert response.status_code == 200
    headers_conform(response)
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{MANIFEST_NS}manifest"
    files = root.findall(f"{MANIFEST_NS}mediaFile")
    assert files
    for media in files:
        name = media.findtext(f"{MANIFEST_NS}filename")
        hash_ = media.findtext(f"{MANIFEST_NS}hash") or ""
        assert name and MD5.match(hash_), (name, hash_)
        download = _get(client, media.findtext(f"{MANIFEST_NS}downloadUrl") or "", clerk.device)
        assert download.status_code == 200
        assert download["X-OpenRosa-Version"] == "1.0" and download["Date"]
        assert _md5(download.content) == hash_


def test_submission_api_head_and_post(clerk: Enrolled) -> None:
    client = Client()
    head = call(client, "HEAD", f"{BASE}/submission", clerk.device, **OPENROSA)
    assert head.status_code == 204
    headers_conform(head, body=False)
    assert not head.content
    limit = int(head["X-OpenRosa-Accept-Content-Length"])
    assert limit >= 10 * 1024 * 1024

    sid, xml = instance("arms.weapon", {**WEAPON_TEXT, "serial": "C-1"})
    created = submit(client, clerk.device, xml)
    assert created.status_code == 201, created.content
    assert openrosa_message(created).get("nature", "submit_success") == "submit_success"
    assert int(created["X-OpenRosa-Accept-Content-Length"]) == limit
    again = submit(client, clerk.device, xml)  # the same instanceID: answered, not written twice
    assert again.status_code in (201, 202)
    openrosa_message(again)

    _sid, bad = instance("arms.weapon", {**WEAPON_TEXT, "year": "x"})
    refused = submit(client, clerk.device, bad)
    assert refused.status_code == 400
    assert "year" in (openrosa_message(refused).text or "")

    nothing = call(client, "POST", f"{BASE}/submission", clerk.device, data={"a": "b"})
    assert nothing.status_code == 400
    assert "xml_submission_file" in (openrosa_message(nothing).text or "")

    not_xml = submit(client, clerk.device, b"this is not XML")
    assert not_xml.status_code == 400
    openrosa_message(not_xml)

    _sid, xml = instance("arms.weapon", {**WEAPON_TEXT, "photos": "big.jpg"})
    too_big = submit(client, clerk.device, xml, {"big.jpg": b"\xff" * (limit + 1)})
    assert too_big.status_code == 413
    openrosa_message(too_big)


def test_errors_are_openrosa_answers_too(clerk: Enrolled) -> None:
    client = Client()
    for path in (
        f"{BASE}/formList",
        f"{BASE}/submission",
        f"{BASE}/forms/arms.weapon/form.xml",
        f"{BASE}/forms/arms.weapon/manifest",
    ):
        unauthenticated = client.get(path, **OPENROSA)
        assert unauthenticated.status_code == 401, path
        openrosa_message(unauthenticated)
        challenge = unauthenticated["WWW-Authenticate"]
        assert challenge.startswith("Digest ") and 'realm="' in challenge
        assert "nonce=" in challenge and "qop=" in challenge
    unknown = _get(client, f"{BASE}/forms/no.such.form/form.xml", clerk.device)
    assert unknown.status_code == 404
    openrosa_message(unknown)
    forbidden = _get(client, f"{BASE}/forms/people.registration/form.xml", clerk.device)
    assert forbidden.status_code == 403
    openrosa_message(forbidden)
    _sid, xml = instance("people.registration", {"name": "A"})
    assert submit(client, clerk.device, xml).status_code == 403
    wrong_method = call(client, "PUT", f"{BASE}/submission", clerk.device)
    assert wrong_method.status_code == 405
    openrosa_message(wrong_method)
    no_such_endpoint = _get(client, f"{BASE}/nothing-here", clerk.device)
    assert no_such_endpoint.status_code == 404
    openrosa_message(no_such_endpoint)
    foreign_host = Client(HTTP_HOST="not-this-server.example").get(f"{BASE}/formList")
    assert foreign_host.status_code == 400  # refused by Django before any view
    openrosa_message(foreign_host)
    services.device_revoke(
        actor=principal_for_user(clerk.supervisor), device=clerk.device, reason="lost"
    )
    revoked = _get(client, f"{BASE}/formList", clerk.device)
    assert revoked.status_code == 403
    assert "revoked" in (openrosa_message(revoked).text or "")

"""Who is calling the OpenRosa endpoints: an enrolled device (`laydown.field.models.Device`),
by HTTP Digest (RFC 7616, MD5, qop=auth, as ODK Collect speaks it) or HTTP Basic over HTTPS.

The user name is the device's id; the password is the device's own secret, derived from the
vault's master key and the device's id (HMAC-SHA256), so the server stores nothing for it: no
password of the user (who may sign in with a second factor that Collect cannot type), no HA1.
The secret is shown once, in the settings QR code of the enrolment page; enrolling the device
again gives a new id and a new secret, revoking it stops both. A nonce is a time, random bytes
and their HMAC, and lives NONCE_SECONDS; an older one is answered `stale=true`, and Collect
retries. The nonce count `nc` of each nonce is kept in the database (laydown.openrosa.nonces),
shared by every worker process: a request that repeats a count, or goes below it, is a replay
and is answered with a fresh challenge (`stale=true`: its digest was right, its nonce is used).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
import time
import zlib
from dataclasses import dataclass

from django.http import HttpRequest

from laydown.access.permissions import Principal
from laydown.access.web import principal_for_user
from laydown.accounts.models import User
from laydown.field import selectors, services
from laydown.field.models import Device
from laydown.openrosa.nonces import nonce_count_advance
from laydown.vault import crypto

REALM = "Laydown"
NONCE_SECONDS = 3600
_NC = re.compile(r"[0-9a-fA-F]{8}")
_PARAM = re.compile(r'(\w+)=(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))')


@dataclass(frozen=True)
class Caller:
    device: Device
    user: User
    principal: Principal
    refusal: str  # why the device may no longer write ("" when it may)


class Unauthenticated(Exception):
    """No credential, or a wrong one: answer 401 with a challenge."""

    def __init__(self, message: str, *, stale: bool = False) -> None:
        super().__init__(message)
        self.stale = stale


def device_password(device: Device) -> str:
    """The device's OpenRosa password: nothing stored, derived from its id."""
    key = crypto.derived_key(b"openrosa-device-password")
    digest = hmac.new(key, device.public_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def _md5(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def _nonce_key() -> bytes:
    return crypto.derived_key(b"openrosa-digest-nonce")


def _nonce_mac(stamp: str, salt: str) -> str:
    return hmac.new(_nonce_key(), f"{stamp}:{salt}".encode(), hashlib.sha256).hexdigest()[:32]


def nonce_make(now: float | None = None) -> str:
    """A new nonce: the time, random bytes (two challenges in the same second differ, so their
    counts are tracked apart) and their HMAC."""
    stamp = str(int(now if now is not None else time.time()))
    salt = secrets.token_hex(8)
    return base64.b64encode(f"{stamp}:{salt}:{_nonce_mac(stamp, salt)}".encode()).decode()


@dataclass(frozen=True)
class Nonce:
    key: str  # its HMAC: the nonce's name in the table of counts
    issued: float
    fresh: bool


def _nonce_read(nonce: str) -> Nonce | None:
    """The nonce, or None when it is not ours."""
    try:
        stamp, salt, mac = base64.b64decode(nonce, validate=True).decode().split(":")
        when = int(stamp)
    except ValueError:
        return None
    if not hmac.compare_digest(_nonce_mac(stamp, salt), mac):
        return None
    return Nonce(mac, when, 0 <= time.time() - when <= NONCE_SECONDS)


def challenge(*, stale: bool = False) -> str:
    value = f'Digest realm="{REALM}", qop="auth", algorithm=MD5, nonce="{nonce_make()}"'
    return value + (", stale=true" if stale else "")


def parse_params(header: str) -> dict[str, str]:
    return {m[1].lower(): (m[2] if m[2] or not m[3] else m[3]) for m in _PARAM.finditer(header)}


def _device(username: str) -> Device:
    device = selectors.device_get(username)
    if device is None:
        raise Unauthenticated("unknown device")
    return device


def _digest(request: HttpRequest, header: str) -> Device:
    params = parse_params(header)
    need = ("username", "realm", "nonce", "uri", "response")
    if any(not params.get(k) for k in need) or params["realm"] != REALM:
        raise Unauthenticated("incomplete digest")
    if params.get("algorithm", "MD5").upper() != "MD5":
        raise Unauthenticated("unsupported algorithm")
    # The URI as the client wrote it (Collect adds `?deviceID=collect%3A...` to the submission
    # URL): as Django rebuilds it, or as the server received it (gunicorn's RAW_URI; granian,
    # which `laydown serve` runs, has no such key).
    if params["uri"] not in {request.get_full_path(), request.META.get("RAW_URI")}:
        raise Unauthenticated("digest for another URI")
    if params.get("qop") != "auth" or not _NC.fullmatch(params.get("nc", "")):
        raise Unauthenticated("qop=auth with a nonce count is required")
    nonce = _nonce_read(params["nonce"])
    if nonce is None:
        raise Unauthenticated("not our nonce")
    device = _device(params["username"])
    ha1 = _md5(f"{device.public_id}:{REALM}:{device_password(device)}")
    ha2 = _md5(f"{request.method}:{params['uri']}")
    parts = [ha1, params["nonce"], params["nc"], params.get("cnonce", ""), "auth", ha2]
    if not hmac.compare_digest(_md5(":".join(parts)), params["response"].lower()):
        raise Unauthenticated("wrong response")
    if not nonce.fresh:
        raise Unauthenticated("stale nonce", stale=True)
    issued = dt.datetime.fromtimestamp(nonce.issued, tz=dt.UTC)
    if not nonce_count_advance(
        key=nonce.key, issued=issued, count=int(params["nc"], 16), lifetime=NONCE_SECONDS
    ):
        # RFC 7616 3.3: stale when the digest is right but the nonce may not be used again;
        # the client signs again with the fresh nonce, a replayer cannot.
        raise Unauthenticated("nonce count used before", stale=True)
    return device


def _basic(request: HttpRequest, header: str) -> Device:
    if not request.is_secure():
        raise Unauthenticated("Basic only over HTTPS")
    try:
        username, _sep, password = base64.b64decode(header, validate=True).decode().partition(":")
    except ValueError:
        raise Unauthenticated("bad Basic credentials") from None
    device = _device(username)
    if not hmac.compare_digest(password, device_password(device)):
        raise Unauthenticated("wrong password")
    return device


def caller_of(request: HttpRequest) -> Caller:
    """The enrolled device calling, with its user's principal (limited to `field.sync` and the
    form actions the user's roles allow, as the device's API token); raise Unauthenticated."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, rest = header.partition(" ")
    if scheme.lower() == "digest":
        device = _digest(request, rest)
    elif scheme.lower() == "basic":
        device = _basic(request, rest.strip())
    else:
        raise Unauthenticated("no credential")
    user = selectors.user_of(device)
    if user is None or not user.is_active:
        raise Unauthenticated("no such user")
    refusal = services.device_refusal(device)
    actions = {"field.sync"}
    if refusal is None:
        actions |= set(services.field_actions(user))
    principal = principal_for_user(user, token_actions=frozenset(actions))
    return Caller(device, user, principal, str(refusal) if refusal else "")


def collect_settings(*, server_url: str, device: Device, project: str) -> str:
    """The settings ODK Collect (and KoBoCollect) read from a QR code: the JSON, deflated with
    zlib, base64 (docs.getodk.org "Collect: settings QR code")."""
    settings = {
        "general": {
            "server_url": server_url,
            "username": device.public_id,
            "password": device_password(device),
        },
        "admin": {},
        "project": {"name": project},
    }
    body = json.dumps(settings, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.b64encode(zlib.compress(body)).decode()

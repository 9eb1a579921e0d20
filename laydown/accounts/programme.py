"""The programme's profile: its name, operator, logo, marking, languages, time zone, regions.

A write (`programme_profile_set`) is one ledger record; reads are `programme_profile()`. The
logo file is kept in the data directory under its SHA-256, which the record names (the file,
like a photo, is not in the log).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, actor_of, authorize
from laydown.access.roles import OrgKind
from laydown.accounts import records
from laydown.accounts.models import Organisation, ProgrammeProfile
from laydown.accounts.services import SYSTEM
from laydown.core import validators
from laydown.core.files import keep_by_hash
from laydown.ledger import services as ledger

MAX_LOGO_BYTES = 512 * 1024
LOGO_KINDS = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
MAX_REGIONS = 200


def programme_profile() -> ProgrammeProfile | None:
    return ProgrammeProfile.objects.select_related("operator").filter(pk=1).first()


def logo_path(sha: str) -> Path:
    return settings.DATA_DIR / "files" / sha[:2] / sha


def logo_store(*, data: bytes) -> str:
    """Keep a PNG, JPEG or WebP logo of at most 512 KiB by its SHA-256; return the hash."""
    if len(data) > MAX_LOGO_BYTES:
        raise validators.refuse(
            "logo", _("too big"), _("The logo is larger than 512 KiB: make it smaller.")
        )
    if validators.file_kind(data) not in LOGO_KINDS:
        raise validators.refuse(
            "logo", _("not an image"), _("The logo must be a PNG, JPEG or WebP image.")
        )
    return keep_by_hash(data, logo_path)


def logo_content_type(sha: str) -> str | None:
    path = logo_path(sha)
    if not validators.SHA256.match(sha) or not path.exists():
        return None
    return LOGO_KINDS.get(validators.file_kind(path.read_bytes()[:16]) or "")


def regions_check(regions: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """Each region a code (as sites and grants name it), a name and a P-code (may be empty)."""
    if len(regions) > MAX_REGIONS:
        raise validators.refuse("regions", _("too many"), _("At most 200 regions."))
    checked, seen = [], set()
    for n, region in enumerate(regions, start=1):
        code = (region.get("code") or "").strip().lower()
        pcode = (region.get("pcode") or "").strip().upper()
        if not validators.CODE.match(code) or code in seen:
            raise validators.refuse(
                "regions",
                _("invalid"),
                _(
                    "Region %(n)d: code %(code)r is empty, taken or not lower-case letters, digits "
                    "and dashes."
                )
                % {"n": n, "code": code},
            )
        if pcode and not validators.PCODE.match(pcode):
            raise validators.refuse(
                "regions",
                _("not a P-code"),
                _(
                    "Region %(n)d: P-code %(p)r: two letters (the country) then letters and "
                    "digits, as AZ01."
                )
                % {"n": n, "p": pcode},
            )
        name = validators.text("regions", region.get("name") or code, max_length=120)
        seen.add(code)
        checked.append({"code": code, "name": name, "pcode": pcode})
    return checked


def programme_profile_set(
    *,
    actor: Principal,
    name: str,
    operator: str,
    classification: str = "",
    default_language: str,
    languages: Sequence[str],
    time_zone: str,
    regions: Sequence[dict[str, str]] = (),
    logo: str | None = None,
) -> ProgrammeProfile:
    """Set the whole profile. `logo`: the SHA-256 of a stored logo, "" to remove it, None to
    keep the current one."""
    if actor is not SYSTEM:
        authorize(actor, "accounts.programme_manage")
    offered = [code for code, _label in settings.LANGUAGES]
    org = Organisation.objects.filter(code=operator).first()
    if org is None or org.kind != OrgKind.OPERATOR:
        raise validators.refuse(
            "operator",
            _("not an operator"),
            _("Choose an organisation of the kind 'Programme operator'."),
        )
    langs = validators.choices("languages", list(languages), offered)
    if not langs:
        raise validators.refuse("languages", _("empty"), _("Offer at least one language."))
    default = validators.choice("default_language", default_language, offered)
    if default not in langs:
        raise validators.refuse(
            "default_language",
            _("not offered"),
            _("The default language must be one of the languages offered."),
        )
    if time_zone not in zoneinfo.available_timezones():
        raise validators.refuse(
            "time_zone",
            _("unknown"),
            _("Time zone %(tz)r is unknown: use a name such as Asia/Baku.") % {"tz": time_zone},
        )
    current = programme_profile()
    if logo is None:
        logo = current.logo if current else ""
    elif logo and logo_content_type(logo) is None:
        raise validators.refuse("logo", _("unknown"), _("Upload the logo first."))
    data = {
        "name": validators.text("name", name, max_length=200, required=True),
        "operator": org.code,
        "classification": validators.text("classification", classification, max_length=100),
        "default_language": default,
        "languages": langs,
        "time_zone": time_zone,
        "regions": regions_check(regions),
        "logo": logo,
    }
    with transaction.atomic():
        ledger.record_append(
            kind=records.PROGRAMME_PROFILE_SET.name, data=data, actor=actor_of(actor)
        )
    profile = programme_profile()
    assert profile is not None  # noqa: S101  (the apply just wrote it)
    return profile


def regions_parse(text: str) -> list[dict[str, str]]:
    """Regions typed one a line as `code | name | P-code` (name and P-code optional)."""
    regions = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")] + ["", ""]
        regions.append({"code": parts[0], "name": parts[1], "pcode": parts[2]})
    return regions


def regions_text(regions: Sequence[dict[str, str]]) -> str:
    return "\n".join(f"{r['code']} | {r['name']} | {r['pcode']}" for r in regions)

"""The set-up workbook: organisations, places, sites, containers, users and their grants in one
XLSX file, checked whole (every problem by sheet, row and column), then applied in one
transaction through the apps' own services. Sheets are read in that order, so a row may name
what an earlier sheet (or an earlier row) creates. The file holds initial passwords: its job is
sealed (laydown.jobs.sealing) and its problems never quote a password."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from laydown.access.permissions import Principal, authorize
from laydown.access.roles import OrgKind, Role, check_scope_string
from laydown.accounts import services as accounts
from laydown.accounts.models import Organisation, User
from laydown.arms import services as arms
from laydown.arms.models import Container, Site
from laydown.arms.vocab import SiteKind
from laydown.assistance import services as assistance
from laydown.assistance.models import Place
from laydown.assistance.vocab import PlaceLevel
from laydown.core import imports, spreadsheet, validators
from laydown.core.errors import ValidationError
from laydown.core.imports.workbook import workbook_read

MAX_ROWS = 5000
MAX_BYTES = 5 * 2**20


def _layout(columns: tuple[str, ...], required: tuple[str, ...]) -> imports.Layout:
    return imports.Layout(
        columns=columns, required=required, max_rows=MAX_ROWS, max_bytes=MAX_BYTES
    )


LAYOUTS: dict[str, imports.Layout] = {
    "organisations": _layout(("code", "name", "kind"), ("code", "name", "kind")),
    "places": _layout(
        ("pcode", "name", "level", "parent", "latitude", "longitude"), ("pcode", "name", "level")
    ),
    "sites": _layout(
        ("code", "name", "kind", "region", "place", "latitude", "longitude", "status"),
        ("code", "name", "kind", "region"),
    ),
    "containers": _layout(("code", "site", "racks"), ("code", "site")),
    "users": _layout(
        ("username", "organisation", "email", "password"), ("username", "organisation", "password")
    ),
    "grants": _layout(("username", "role", "scope"), ("username", "role")),
}
HELP: dict[str, dict[str, Any]] = {  # column -> what it holds (translated), or its codes
    "organisations": {
        "code": gettext_lazy("lower-case letters, digits and dashes"),
        "name": gettext_lazy("the organisation's name"),
        "kind": ", ".join(OrgKind.values),
    },
    "places": {
        "pcode": gettext_lazy("OCHA P-code: two letters (the country), then letters and digits"),
        "name": gettext_lazy("the place's name"),
        "level": ", ".join(PlaceLevel.values),
        "parent": gettext_lazy("the P-code of the place it is in (empty for a region)"),
        "latitude": gettext_lazy("decimal degrees, e.g. 40.409264 (optional)"),
        "longitude": gettext_lazy("decimal degrees, e.g. 49.867092 (optional)"),
    },
    "sites": {
        "code": gettext_lazy("lower-case letters, digits and dashes"),
        "name": gettext_lazy("the site's name"),
        "kind": ", ".join(SiteKind.values),
        "region": gettext_lazy(
            "the region's code (one of the programme's regions, if its profile names any)"
        ),
        "place": gettext_lazy("the P-code of its place (optional)"),
        "latitude": gettext_lazy("decimal degrees (optional)"),
        "longitude": gettext_lazy("decimal degrees (optional)"),
        "status": gettext_lazy("open (default) or planned"),
    },
    "containers": {
        "code": gettext_lazy("lower-case letters, digits and dashes"),
        "site": gettext_lazy("the code of a storage depot"),
        "racks": gettext_lazy("number of racks (default 0)"),
    },
    "users": {
        "username": gettext_lazy("what they sign in with"),
        "organisation": gettext_lazy("the code of their organisation"),
        "email": gettext_lazy("optional"),
        "password": gettext_lazy(
            "an initial password; give it to the user in person. The file is kept "
            "encrypted while it is imported and deleted afterwards"
        ),
    },
    "grants": {
        "username": gettext_lazy("a user of this workbook or an existing one"),
        "role": ", ".join(Role.values),
        "scope": gettext_lazy("programme (default), site:CODE or region:CODE"),
    },
}
# The field names services use, as the workbook's columns call them.
COLUMN_OF = {"lat_micro": "latitude", "lon_micro": "longitude", "organisation": "organisation"}


@dataclasses.dataclass
class Pending:
    """What earlier rows of the workbook create, so that later rows may name it."""

    organisations: dict[str, str] = dataclasses.field(default_factory=dict)  # code -> kind
    places: dict[str, str] = dataclasses.field(default_factory=dict)  # P-code -> level
    sites: dict[str, str] = dataclasses.field(default_factory=dict)  # code -> kind
    containers: set[str] = dataclasses.field(default_factory=set)
    users: set[str] = dataclasses.field(default_factory=set)  # lower-case usernames


Entry = dict[str, Any]  # {"sheet": ..., "data": {...}}


def _micro(column: str, value: str, limit: int) -> int | None:
    if not value:
        return None
    try:
        degrees = Decimal(value.replace(",", "."))
    except InvalidOperation:
        raise validators.refuse(
            column, _("not a number"), _("Give decimal degrees, e.g. 40.409264.")
        ) from None
    if abs(degrees) > limit:
        raise validators.refuse(
            column, _("out of range"), _("At most %(n)d degrees either way.") % {"n": limit}
        )
    return int(degrees * 1_000_000)


def _new_code(field: str, value: str, taken: bool) -> str:
    code = value.strip().lower()
    if not validators.CODE.match(code):
        raise validators.refuse(
            field, _("invalid"), _("Use lower-case letters, digits and dashes (at most 40).")
        )
    if taken:
        raise validators.refuse(field, _("taken"), _("%(code)s exists already.") % {"code": code})
    return code


def _organisation(values: dict[str, str], pending: Pending) -> dict[str, Any]:
    code = values["code"].strip().lower()
    taken = code in pending.organisations or Organisation.objects.filter(code=code).exists()
    data = {
        "code": _new_code("code", code, taken),
        "name": validators.text("name", values["name"], max_length=200, required=True),
        "kind": validators.choice("kind", values["kind"], OrgKind.values),
    }
    pending.organisations[data["code"]] = data["kind"]
    return data


def _place(values: dict[str, str], pending: Pending) -> dict[str, Any]:
    fields = {
        "pcode": values["pcode"],
        "name": values["name"],
        "level": values["level"],
        "parent": values["parent"] or None,
        "lat_micro": _micro("latitude", values["latitude"], 90),
        "lon_micro": _micro("longitude", values["longitude"], 180),
    }
    data = dict(assistance.place_check(fields, pending=pending.places))
    pending.places[data["pcode"]] = data["level"]
    return data


def _site(values: dict[str, str], pending: Pending) -> dict[str, Any]:
    code = values["code"].strip().lower()
    taken = code in pending.sites or Site.objects.filter(code=code).exists()
    code = _new_code("code", code, taken)
    place = values["place"].strip().upper()
    if place and place not in pending.places and not Place.objects.filter(pcode=place).exists():
        raise validators.refuse(
            "place", _("unknown"), _("No place %(p)s: add it to the places sheet.") % {"p": place}
        )
    fields = arms.site_fields_check(
        name=values["name"],
        kind=values["kind"],
        region=values["region"],
        place=place,
        lat_micro=_micro("latitude", values["latitude"], 90),
        lon_micro=_micro("longitude", values["longitude"], 180),
    )
    status = validators.choice("status", values["status"] or "open", ("open", "planned"))
    pending.sites[code] = fields["kind"]
    return {"code": code, **fields, "status": status}


def _container(values: dict[str, str], pending: Pending) -> dict[str, Any]:
    code = values["code"].strip().lower()
    taken = code in pending.containers or Container.objects.filter(code=code).exists()
    code = _new_code("code", code, taken)
    site = values["site"].strip().lower()
    kind = (
        pending.sites.get(site)
        or Site.objects.filter(code=site).values_list("kind", flat=True).first()
    )
    if kind is None:
        raise validators.refuse("site", _("unknown"), _("No site %(s)s.") % {"s": site})
    if kind != SiteKind.STORAGE_DEPOT:
        raise validators.refuse(
            "site", _("not a depot"), _("Containers are set up in storage depots only.")
        )
    racks = validators.integer("racks", values["racks"] or "0", minimum=0, maximum=999)
    pending.containers.add(code)
    return {"code": code, "site": site, "racks": racks}


def _user(values: dict[str, str], pending: Pending) -> dict[str, Any]:
    username = validators.text("username", values["username"], max_length=150, required=True)
    if username.lower() in pending.users or User.objects.filter(username__iexact=username).exists():
        raise validators.refuse(
            "username", _("taken"), _("%(u)s exists already.") % {"u": username}
        )
    org = values["organisation"].strip().lower()
    if org not in pending.organisations and not Organisation.objects.filter(code=org).exists():
        raise validators.refuse(
            "organisation", _("unknown"), _("No organisation %(o)s.") % {"o": org}
        )
    email = validators.text("email", values["email"], max_length=254)
    password = values["password"]
    try:
        validate_password(password, User(username=username, email=email))
    except DjangoValidationError as exc:
        raise ValidationError(" ".join(exc.messages), fields={"password": _("too weak")}) from exc
    pending.users.add(username.lower())
    return {"username": username, "organisation": org, "email": email, "password": password}


def _grant(values: dict[str, str], pending: Pending) -> dict[str, Any]:
    username = values["username"].strip()
    if (
        username.lower() not in pending.users
        and not User.objects.filter(username__iexact=username).exists()
    ):
        raise validators.refuse("username", _("unknown"), _("No user %(u)s.") % {"u": username})
    role = validators.choice("role", values["role"], Role.values)
    scope = values["scope"].strip() or "programme"
    problem = check_scope_string(scope)
    if problem:
        raise validators.refuse("scope", _("invalid"), problem)
    kind, _sep, code = scope.partition(":")
    if kind == "site" and code not in pending.sites and not Site.objects.filter(code=code).exists():
        raise validators.refuse("scope", _("unknown site"), _("No site %(s)s.") % {"s": code})
    return {"username": username, "role": role, "scope": scope}


CHECKS: dict[str, Callable[[dict[str, str], Pending], dict[str, Any]]] = {
    "organisations": _organisation,
    "places": _place,
    "sites": _site,
    "containers": _container,
    "users": _user,
    "grants": _grant,
}
SECRET_COLUMNS = {"password"}


def _problems(sheet: str, row: int, values: dict[str, str], exc: ValidationError) -> list[Any]:
    found = []
    for field in exc.fields or {"": ""}:
        column = COLUMN_OF.get(field, field.split(".")[0])
        value = "" if column in SECRET_COLUMNS else values.get(column, "")
        found.append(imports.Problem(row, column, value, exc.message, sheet=sheet))
    return found


def workbook_check(
    actor: Principal, name: str, content: bytes, progress: imports.Progress = imports.no_progress
) -> imports.Checked[Entry]:
    """Read the workbook and check every row of every sheet; nothing is written."""
    authorize(actor, "setup.workbook")
    sheets = workbook_read(LAYOUTS, name=name, content=content)
    pending = Pending()
    entries: list[tuple[int, Entry]] = []
    problems = list(sheets.problems)
    total = sum(len(rows) for rows in sheets.rows.values())
    for sheet, check in CHECKS.items():
        for number, values in sheets.rows.get(sheet, []):
            try:
                entries.append((number, {"sheet": sheet, "data": check(values, pending)}))
            except ValidationError as exc:
                problems += _problems(sheet, number, values, exc)
            except PermissionDenied as exc:
                problems.append(imports.Problem(number, "", "", str(exc), sheet=sheet))
        progress("check", len(entries), total)
    if not entries and not problems:
        problems.append(imports.Problem(0, "", "", _("The workbook has no rows to import.")))
    return imports.Checked(entries=entries, problems=problems)


def workbook_write(actor: Principal, entries: Sequence[Entry]) -> dict[str, int]:
    """Apply checked rows, in order, through the services (the caller holds the transaction)."""
    counts = dict.fromkeys(CHECKS, 0)
    for entry in entries:
        _WRITERS[entry["sheet"]](actor, entry["data"])
        counts[entry["sheet"]] += 1
    return counts


def _write_user(actor: Principal, d: dict[str, Any]) -> None:
    accounts.user_create(
        actor=actor,
        username=d["username"],
        password=d["password"],
        organisation=d["organisation"],
        email=d["email"],
    )


def _write_grant(actor: Principal, d: dict[str, Any]) -> None:
    user = User.objects.get(username__iexact=d["username"])
    accounts.role_grant(actor=actor, user=user, role=d["role"], scope=d["scope"])


def _write_container(actor: Principal, d: dict[str, Any]) -> None:
    site = Site.objects.get(code=d["site"])
    arms.container_create(actor=actor, site=site, code=d["code"], racks=d["racks"])


_WRITERS: dict[str, Callable[[Principal, dict[str, Any]], object]] = {
    "organisations": lambda actor, d: accounts.org_create(actor=actor, **d),
    "places": lambda actor, d: assistance.place_create(actor=actor, **d),
    "sites": lambda actor, d: arms.site_create(actor=actor, **d),
    "containers": _write_container,
    "users": _write_user,
    "grants": _write_grant,
}


def workbook_template(path: Path) -> None:
    """The workbook to fill in: one sheet per part, its header in bold, and a `notes` sheet
    saying what each column means (every cell written as text, never as a formula)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.worksheets[0])
    for sheet_name, layout in LAYOUTS.items():
        sheet = book.create_sheet(sheet_name)
        sheet.append(spreadsheet.xlsx_row(sheet, layout.columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    notes = book.create_sheet("notes")
    notes.append(spreadsheet.xlsx_row(notes, ["sheet", "column", "required", "meaning"]))
    for sheet_name, layout in LAYOUTS.items():
        for column in layout.columns:
            required = "yes" if column in layout.required else ""
            row = [sheet_name, column, required, HELP[sheet_name][column]]
            notes.append(spreadsheet.xlsx_row(notes, row))
    book.save(path)

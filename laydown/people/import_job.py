"""The participants import as a background job (laydown.jobs): checked whole, then written in
batches. Its files and checked rows hold names, phones and villages: the job keeps them
sealed (encrypted under a key derived from the vault's master key) until it ends."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy

from laydown.access.permissions import Principal
from laydown.core import imports
from laydown.jobs import kinds
from laydown.people import importer, services

KIND = "people.participants"

Entry = tuple[services.Person, dict[str, str], dt.date]


def _check(
    actor: Principal,
    name: str,
    content: bytes,
    progress: imports.Progress,
    params: kinds.Params,
) -> imports.Checked[Entry]:
    today = timezone.now().date()
    checked = importer.participants_checked(
        actor=actor, filename=name, data=content, today=today, progress=progress
    )
    entries = [(n, (person, row, today)) for n, (person, row) in checked.entries]
    return dataclasses.replace(checked, entries=entries)  # type: ignore[arg-type,return-value]


def _dump(entry: Entry) -> dict[str, Any]:
    person, row, today = entry
    fields = dataclasses.asdict(person)
    fields["born"] = person.born.isoformat() if person.born else None
    return {"person": fields, "row": row, "today": today.isoformat()}


def _load(payload: dict[str, Any]) -> Entry:
    fields = dict(payload["person"])
    fields["born"] = dt.date.fromisoformat(fields["born"]) if fields["born"] else None
    return services.Person(**fields), payload["row"], dt.date.fromisoformat(payload["today"])


def _write(actor: Principal, entries: Sequence[Entry]) -> kinds.Result:
    today = entries[0][2] if entries else timezone.now().date()
    people = [(person, row) for person, row, _day in entries]
    return {"count": importer.participants_write(actor=actor, people=people, today=today)}


def _merge(before: kinds.Result, batch: kinds.Result) -> kinds.Result:
    return {"count": before["count"] + batch["count"]}


PARTICIPANTS = kinds.register(
    kinds.ImportKind(
        name=KIND,
        check=_check,
        dump=_dump,
        load=_load,
        write=_write,
        merge=_merge,
        sealed=True,
        form="people.registration",  # its exports: the demobilization registration form's
        label=gettext_lazy("Import participants"),
        page="people:import_job",
    )
)

"""The places, distributions and households imports as background jobs (laydown.jobs):
checked whole, then written in batches. Households hold names, phones and documents: that
kind is sealed (its file and staged rows encrypted until the job ends)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from django.utils.translation import gettext_lazy

from laydown.access.permissions import Principal
from laydown.accounts.models import Organisation
from laydown.assistance import imports as importer
from laydown.assistance import services
from laydown.core import imports
from laydown.jobs import kinds

PLACES, DISTRIBUTIONS, HOUSEHOLDS = (
    "assistance.places",
    "assistance.distributions",
    "assistance.households",
)
KIND_OF = {"places": PLACES, "distributions": DISTRIBUTIONS, "households": HOUSEHOLDS}


def _count(created: list[str]) -> kinds.Result:
    return {"count": len(created)}


def _merge(before: kinds.Result, batch: kinds.Result) -> kinds.Result:
    return {"count": before["count"] + batch["count"]}


def _same(value: Any) -> Any:
    return value


# ---- places --------------------------------------------------------------------------------


def _places_check(
    actor: Principal, name: str, content: bytes, progress: imports.Progress, params: kinds.Params
) -> imports.Checked[dict[str, Any]]:
    check = importer.places_checker(actor)
    return importer.rows_checked(importer.layout_of("places"), name, content, check, progress)


def _places_write(actor: Principal, rows: Sequence[dict[str, Any]]) -> kinds.Result:
    return _count(importer.places_writer(actor)(rows))


# ---- distributions -------------------------------------------------------------------------


def _distributions_check(
    actor: Principal, name: str, content: bytes, progress: imports.Progress, params: kinds.Params
) -> imports.Checked[importer.Distribution]:
    check = importer.distributions_checker(actor)
    layout = importer.layout_of("distributions")
    return importer.rows_checked(layout, name, content, check, progress)


def _distribution_dump(entry: importer.Distribution) -> dict[str, Any]:
    organisation, data = entry
    return {"organisation": organisation.pk, "data": data}


def _distribution_load(payload: dict[str, Any]) -> importer.Distribution:
    return Organisation.objects.get(pk=payload["organisation"]), payload["data"]


def _distributions_write(actor: Principal, rows: Sequence[importer.Distribution]) -> kinds.Result:
    return _count(importer.distributions_writer(actor)(rows))


# ---- households ----------------------------------------------------------------------------

Household = tuple[services.HouseholdInput, dict[str, str]]  # the household, the terms


def household_params(*, legal_basis: str, purpose: str, retain_until: dt.date) -> kinds.Params:
    """The terms of the personal data, kept with the job (none of it is personal)."""
    return {
        "legal_basis": legal_basis,
        "purpose": purpose,
        "retain_until": retain_until.isoformat(),
    }


def _terms(params: kinds.Params) -> dict[str, Any]:
    return {
        "legal_basis": params["legal_basis"],
        "purpose": params["purpose"],
        "retain_until": dt.date.fromisoformat(params["retain_until"]),
    }


def _households_check(
    actor: Principal, name: str, content: bytes, progress: imports.Progress, params: kinds.Params
) -> imports.Checked[Household]:
    check = importer.households_checker(actor, **_terms(params))
    layout = importer.layout_of("households")
    checked = importer.rows_checked(layout, name, content, check, progress)
    entries = [(n, (household, dict(params))) for n, household in checked.entries]
    return imports.Checked(entries=entries, problems=checked.problems)


def _household_dump(entry: Household) -> dict[str, Any]:
    household, params = entry
    return {"household": dataclasses.asdict(household), "params": params}


def _household_load(payload: dict[str, Any]) -> Household:
    return services.HouseholdInput(**payload["household"]), payload["params"]


def _households_write(actor: Principal, rows: Sequence[Household]) -> kinds.Result:
    if not rows:
        return _count([])
    write = importer.households_writer(actor, **_terms(rows[0][1]))
    return _count(write([household for household, _params in rows]))


def _kind(
    name: str,
    check: Callable[..., imports.Checked[Any]],
    write: Callable[[Principal, Sequence[Any]], kinds.Result],
    dump: Callable[[Any], dict[str, Any]] = _same,
    load: Callable[[dict[str, Any]], Any] = _same,
    sealed: bool = False,
    form: str = "",
    label: Any = "",
) -> kinds.ImportKind:
    return kinds.register(
        kinds.ImportKind(
            name=name,
            check=check,
            dump=dump,
            load=load,
            write=write,
            merge=_merge,
            sealed=sealed,
            form=form,
            label=label,
            page="assistance:import_job",
        )
    )


_kind(PLACES, _places_check, _places_write, label=gettext_lazy("Import places"))
_kind(
    DISTRIBUTIONS,
    _distributions_check,
    _distributions_write,
    _distribution_dump,
    _distribution_load,
    form="assistance.distribution",  # its exports: the distribution form's
    label=gettext_lazy("Import distributions"),
)
_kind(
    HOUSEHOLDS,
    _households_check,
    _households_write,
    _household_dump,
    _household_load,
    sealed=True,
    label=gettext_lazy("Import households"),
)

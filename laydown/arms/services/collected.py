"""The committer's half of a registration (weapon, ammunition lot, materiel): a batch of
checked registrations written together.

`item_collect`, `lot_collect` and `materiel_collect` (services.collection) check in the
caller's thread everything that needs no lock (authorisation, every field, the reason of a
confirmed duplicate) and hand what is left, a `Collected`, to `laydown.ledger.group
.committed`: under `laydown serve` the committer gives the batch's registrations to
`collected_write` together, otherwise the caller's thread writes its own alone the same way.

`collected_write` takes the log head lock first (every write does: a site closed meanwhile
either committed before, and is seen, or waits), then reads the batch's sites in one query,
the earlier items of all its serials in one, each tag counter once, and appends every record
with one append, applied through the import's buffered applies (items, lots, materiel and
custody events inserted with one statement each, each counter raised once). A refused
registration (its site not open; a suspected duplicate, of an earlier item or of one before
it in the same batch, without a reason) gets no tag and writes nothing: the tags of the
others stay gap-free and in the batch's order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from laydown.arms import records, selectors
from laydown.arms.models import AmmoLot, Item, Materiel
from laydown.arms.services.common import allocate_tags, site_not_open
from laydown.arms.vocab import SiteStatus
from laydown.core import validators
from laydown.core.errors import ValidationError
from laydown.ledger import services as ledger

Registered = Item | AmmoLot | Materiel


class DuplicateSuspected(ValidationError):
    """The serial, make and model match earlier items: confirm with a reason, or correct."""

    code = "duplicate"

    def __init__(self, message: str, *, tags: list[str]) -> None:
        super().__init__(message, fields={"serial": _("possible duplicate")})
        self.tags = tags


@dataclass(frozen=True, slots=True)
class Collected:
    """A checked registration waiting for its write: its record's kind, its tag's prefix, the
    actor, the site's code and the record's clean data (without tag and site)."""

    kind: str
    prefix: str
    actor: str
    site: str
    data: dict[str, Any]
    # A weapon with a serial: what the duplicate check compares (selectors.weapon_key)
    key: tuple[str, str, str] | None = None
    reason: str = ""  # a weapon's: why it is not the earlier one its serial matches
    language: str | None = None  # the caller's, for the words of a refusal


def collected_write(requests: Sequence[Collected]) -> list[Registered | Exception]:
    """Write the registrations, each outcome its item, lot or materiel or its refusal (see the
    module). Inside a transaction and `ledger.checkpoint_deferred` (group.committed)."""
    ledger.log_lock()
    statuses = selectors.site_statuses(r.site for r in requests)
    serials = [r.key[0] for r in requests if r.key is not None]
    earlier = selectors.registered_keys(serials) if serials else {}
    tags: dict[str, Iterator[str]] = {}
    outcomes: list[Registered | Exception | None] = []
    entries: list[tuple[str, dict[str, Any], str]] = []
    written: list[tuple[int, int, bool]] = []  # (request, its record in `entries`, confirmed)
    for n, r in enumerate(requests):
        status = statuses.get(r.site)
        duplicate_of = [] if r.key is None else sorted(earlier.get(r.key, ()))
        if status != SiteStatus.OPEN or (duplicate_of and not r.reason):
            with translation.override(r.language):
                outcomes.append(_refusal(r, status, duplicate_of))
            continue
        prefix_tags = tags.get(r.prefix)
        if prefix_tags is None:  # the counter read once: as many tags as could be written
            count = sum(other.prefix == r.prefix for other in requests[n:])
            prefix_tags = tags[r.prefix] = iter(allocate_tags(r.prefix, count))
        tag = next(prefix_tags)
        if r.key is not None:  # a later one of the batch with this serial is its duplicate
            earlier.setdefault(r.key, []).append(tag)
        outcomes.append(None)
        written.append((n, len(entries), bool(duplicate_of)))
        entries.append((r.kind, {"tag": tag, "site": r.site, **r.data}, r.actor))
        if duplicate_of:
            data = {"item": tag, "duplicate_of": duplicate_of, "reason": r.reason}
            entries.append((records.DUPLICATE_CONFIRMED.name, data, r.actor))
    if entries:
        with records.applies_buffered():
            appended = ledger.records_append(entries)
        for (n, _at, _confirmed), answer in zip(
            written, _answers(requests, written, entries, appended), strict=True
        ):
            outcomes[n] = answer
    return [outcome for outcome in outcomes if outcome is not None]


def _refusal(r: Collected, status: str | None, duplicate_of: list[str]) -> ValidationError:
    if status is None:  # deleted since the caller read it
        return validators.refuse("site", _("unknown"), _("No site %(code)s.") % {"code": r.site})
    if status != SiteStatus.OPEN:
        return site_not_open(r.site, status)
    return duplicate_suspected(r.data, duplicate_of)


def duplicate_suspected(clean: dict[str, Any], earlier: list[str]) -> DuplicateSuspected:
    return DuplicateSuspected(
        _(
            "Serial %(serial)s of a %(make)s %(model)s was registered before as "
            "%(tags)s. Check the weapon; if it is another one, confirm with a reason."
        )
        % {
            "serial": clean["serial"],
            "make": clean["make"],
            "model": clean["model"],
            "tags": ", ".join(earlier),
        },
        tags=earlier,
    )


def _answers(
    requests: Sequence[Collected],
    written: list[tuple[int, int, bool]],
    entries: list[tuple[str, dict[str, Any], str]],
    appended: list[Any],
) -> list[Registered]:
    """What each written registration answers: a weapon from its record and the data appended
    (as its row reads back, without reading it), lots and materiel read back, one query for
    each kind."""
    rows: dict[str, Registered] = {}
    for model, kind in ((AmmoLot, records.LOT_COLLECTED), (Materiel, records.MATERIEL_COLLECTED)):
        tags = [entries[at][1]["tag"] for n, at, _c in written if requests[n].kind == kind.name]
        if tags:
            rows.update(model.objects.in_bulk(tags))
    answers: list[Registered] = []
    for n, at, confirmed in written:
        data = entries[at][1]
        if requests[n].kind != records.ITEM_COLLECTED.name:
            answers.append(rows[data["tag"]])
            continue
        item = records.item_collected(appended[at], data)
        if confirmed:  # what the confirmation's apply wrote on the row
            item.duplicate_reason = requests[n].reason
        answers.append(item)
    return answers

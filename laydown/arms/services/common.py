"""What the registry's services share: tags, authorisation at a site, the ledger append, locks."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from laydown.access.permissions import Principal, actor_of, authorize
from laydown.access.roles import Scope
from laydown.accounts.services import SYSTEM
from laydown.arms.models import AmmoLot, Container, Item, Site, TagCounter
from laydown.arms.selectors import container_seal
from laydown.arms.vocab import ContainerStatus, ItemStatus, SiteStatus
from laydown.core import validators
from laydown.core.compiled import Compiled
from laydown.core.errors import ValidationError
from laydown.ledger import services as ledger
from laydown.ledger.models import Record

MAX_QUANTITY = 100_000_000  # rounds, grams or pieces in one lot: beyond this, split the lot
MAX_MATERIEL_QUANTITY = 100_000
MAX_LINES = 2000  # items and lots in one shipment or disposal record
ITEM_PREFIX, LOT_PREFIX, MATERIEL_PREFIX = "LD", "LA", "LM"
SHIPMENT_PREFIX, CHECK_PREFIX, DISPOSAL_PREFIX, INCIDENT_PREFIX = "SH", "SC", "DS", "IN"


def authorize_at(principal: Principal, action: str, site: Site | None = None) -> None:
    """Raise unless `principal` may do `action` at `site`. SYSTEM is the operator at the shell
    (as in accounts): whoever holds the data directory holds the keys anyway."""
    if principal is SYSTEM:
        return
    scope = None if site is None else Scope(site=site.code, region=site.region)
    authorize(principal, action, scope=scope)


def append_record(kind: str, data: Mapping[str, Any], actor: Principal) -> Record:
    return ledger.record_append(kind=kind, data=data, actor=actor_of(actor))


_COUNTER_LOCKED: Compiled[TagCounter] = Compiled(
    lambda prefix: (
        TagCounter.objects.select_for_update().filter(prefix=prefix).order_by().values_list("last")
    ),
    "LD",
)


def allocate_tags(prefix: str, count: int = 1) -> list[str]:
    """The next `count` tags of `prefix`, gap-free. Call inside the transaction that appends the
    records using them: the counter row stays locked until it commits, and `apply` advances it.
    """
    row = _COUNTER_LOCKED.first(prefix)  # every registration: the SQL compiled once
    last = None if row is None else row[0]
    if last is None:  # the prefix's first tag: create its row (a concurrent first may win)
        TagCounter.objects.bulk_create([TagCounter(prefix=prefix, last=0)], ignore_conflicts=True)
        counter = TagCounter.objects.select_for_update().filter(prefix=prefix)
        last = counter.values_list("last", flat=True).get()
    return [f"{prefix}-{n:06d}" for n in range(last + 1, last + count + 1)]


def open_site_check(site: Site) -> None:
    if site.status != SiteStatus.OPEN:
        raise site_not_open(site.code, site.status)


def site_not_open(code: str, status: str) -> ValidationError:
    """The refusal of a registration at site `code`, which is `status`, not open."""
    return validators.refuse(
        "site", _("not open"), _("Site %(site)s is %(status)s.") % {"site": code, "status": status}
    )


def witnesses_check(value: Sequence[str], actor: Principal) -> list[str]:
    witnesses = [validators.pseudonym("witnesses", w, required=True) or "" for w in value]
    if not witnesses or len(set(witnesses)) != len(witnesses) or actor.pseudonym in witnesses:
        raise validators.refuse(
            "witnesses",
            _("missing"),
            _("Name at least one witness, each once, other than yourself."),
        )
    return witnesses


def locked_item(tag: str) -> Item:
    """The item's row, locked until the transaction ends; call inside transaction.atomic()."""
    item = Item.objects.select_for_update().filter(tag=tag).first()
    if item is None:
        raise validators.refuse("item", _("unknown"), _("No item %(tag)s.") % {"tag": tag})
    return item


def open_container_check(container: Container) -> None:
    if Container.objects.filter(code=container.code, status=ContainerStatus.CLOSED).exists():
        raise validators.refuse(
            "container",
            _("closed"),
            _("Container %(c)s is closed: open it again first, or choose another.")
            % {"c": container.code},
        )


def refuse_if_sealed(container: Container | None, doing: str) -> None:
    seal = container_seal(container)
    if seal is not None:
        raise validators.refuse(
            "container",
            _("sealed"),
            _("Container %(c)s is sealed (seal %(seal)s): break the seal before %(doing)s.")
            % {"c": seal.container_id, "seal": seal.number, "doing": doing},
        )


def _movable_problems(
    rows: Sequence[Item | AmmoLot], tags: Collection[str], site: Site
) -> list[tuple[str, bool]]:
    """Why each of `tags` may not leave `site`, with whether the reason is a sealed container."""
    found = {row.tag: row for row in rows}
    problems = []
    for tag in sorted(tags):
        row = found.get(tag)
        if row is None:
            problems.append((f"{tag}: {_('not registered')}", False))
        elif row.site_id != site.code:
            problems.append((f"{tag}: {_('at %(site)s') % {'site': row.site_id}}", False))
        elif row.status != ItemStatus.IN_STORAGE:
            problems.append((f"{tag}: {str(row.get_status_display()).lower()}", False))
        elif (seal := container_seal(row.container)) is not None:
            why = _("container %(c)s is sealed (seal %(seal)s): break the seal first") % {
                "c": seal.container_id,
                "seal": seal.number,
            }
            problems.append((f"{tag}: {why}", True))
    return problems


def movable_lock(item_tags: Collection[str], lot_tags: Collection[str], site: Site) -> None:
    """Lock the items and lots about to leave `site` and check each is in storage there and
    not in a sealed container, naming every one that is not and why (a crate list typed at a
    depot may hold more than one slip). Call inside the transaction that records their move."""
    items = list(
        Item.objects.select_for_update(of=("self",))
        .filter(tag__in=item_tags)
        .select_related("container")
    )
    lots = list(
        AmmoLot.objects.select_for_update(of=("self",))
        .filter(tag__in=lot_tags)
        .select_related("container")
    )
    item_problems = _movable_problems(items, item_tags, site)
    problems = item_problems + _movable_problems(lots, lot_tags, site)
    if not problems:
        return
    message = _("%(n)d of the items and lots listed cannot leave %(site)s: %(list)s.") % {
        "n": len(problems),
        "site": site.code,
        "list": "; ".join(text for text, _sealed in problems),
    }
    if all(sealed for _text, sealed in problems):
        raise validators.refuse("container", _("sealed"), message)
    field = "items" if any(not sealed for _text, sealed in item_problems) else "lots"
    raise validators.refuse(field, _("not at the sending site"), message)

"""The kinds of form a device can submit, registered by the apps that own them.

A form kind names the action it needs (`action`), how to run one submission through the owning
app's service (`run`: it gets the principal, the payload as the device sent it, and the reason a
supervisor gave when accepting it from the review queue; it returns a small JSON result, e.g.
`{"tag": "W-000123"}`), what the device must keep to fill the form offline (`vocab`), and where
a submission happens (`scope`: its site or region, so that a field supervisor reviews only the
submissions held at their sites). The
field app knows no domain app: arms, people and assistance register their kinds here at start-up,
as they register their import kinds with `laydown.jobs.kinds`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied

from laydown.access.permissions import Principal
from laydown.access.roles import Scope
from laydown.core.errors import LaydownError

Payload = dict[str, Any]
Result = dict[str, Any]


@dataclass(frozen=True)
class FormKind:
    name: str  # "<app>.<form>", e.g. "arms.weapon"
    label: Any  # a lazy translation
    action: str
    run: Callable[[Principal, Payload, str | None], Result]
    vocab: Callable[[Principal], dict[str, Any]] = lambda principal: {}
    # Refusals at sync that wait for a supervisor instead of going back to the clerk: the
    # error codes (a suspected duplicate) and the fields (a site closed meanwhile).
    conflict_codes: frozenset[str] = frozenset({"duplicate"})
    conflict_fields: frozenset[str] = field(default_factory=lambda: frozenset({"site"}))
    sealed: bool = False  # the payload holds personal data: kept encrypted while it waits
    # How a file sent with a submission (a photo from ODK Collect, laydown.openrosa) becomes the
    # payload's value of a field: e.g. stored by its SHA-256 for a weapon's `photos`.
    files: dict[str, Callable[[bytes], Any]] = field(default_factory=dict)
    # Further actions the form's service checks besides `action` (a registration writes personal
    # data to the vault): a device gets those of them its user's roles allow.
    needs: frozenset[str] = frozenset()
    # Where a submission of this form happens (its site, or its region), read from the payload
    # as the device sent it: whose review queue a held one goes to. `Scope()` (the default):
    # reviewers with a programme grant only. It must not raise on a bad payload.
    scope: Callable[[Payload], Scope] = lambda payload: Scope()

    def is_conflict(self, exc: Exception) -> bool:
        """Whether a refusal of `exc` goes to the review queue (else back to the clerk)."""
        if isinstance(exc, PermissionDenied):
            return True
        if isinstance(exc, LaydownError):
            return exc.code in self.conflict_codes or bool(set(exc.fields) & self.conflict_fields)
        return False


_KINDS: dict[str, FormKind] = {}


def register(kind: FormKind) -> FormKind:
    if _KINDS.get(kind.name, kind) is not kind:
        raise ValueError(f"form kind {kind.name!r} is registered twice")
    _KINDS[kind.name] = kind
    return kind


def get(name: str) -> FormKind | None:
    return _KINDS.get(name)


def all_kinds() -> list[FormKind]:
    return sorted(_KINDS.values(), key=lambda k: k.name)


def schema_parse(schema: Any, payload: Payload) -> Any:
    """`payload` read by the API's input schema of the form (a ninja Schema), so a submission
    from a device is read exactly as the same operation's body; a mismatch names each field."""
    from pydantic import ValidationError as SchemaError

    from laydown.core.errors import ValidationError

    try:
        return schema.model_validate(payload)
    except SchemaError as exc:
        fields = {".".join(str(p) for p in e["loc"]) or "payload": e["msg"] for e in exc.errors()}
        raise ValidationError(
            "; ".join(f"{f}: {m}" for f, m in fields.items()), fields=fields
        ) from None

"""Demobilization registration with screening in the offline app (laydown.field): the API's
registration body, with an optional `screening` ({answers, decision, reason, joined_on}),
written by the same services as the page and the API. Its payload holds personal data: kept
sealed while it waits for review."""

from __future__ import annotations

import base64
from typing import Any

from django.utils.translation import gettext_lazy

from laydown.access.permissions import Principal
from laydown.access.roles import PROGRAMME, Scope
from laydown.arms.models import Site
from laydown.field import kinds
from laydown.people import permissions, services  # noqa: F401  (before the API)
from laydown.people.api import ContactIn, RegisterIn, ScreenIn, _photo
from laydown.people.vocab import QUESTIONS, Category, Decision, Sex


class RegisterWithScreeningIn(RegisterIn):
    screening: ScreenIn | None = None


def _registration(principal: Principal, payload: kinds.Payload, reason: str | None) -> kinds.Result:
    parsed = kinds.schema_parse(RegisterWithScreeningIn, payload)
    person = services.person_check(
        **parsed.dict(include={"name", "born", "age", "sex", "category", "region"}),
        dependants=parsed.dependants,
        dependant_of=parsed.dependant_of,
    )
    participant = services.participant_register(
        actor=principal,
        person=person,
        contact={k: v for k, v in (parsed.contact or ContactIn()).dict().items() if v},
        photo=_photo(parsed.photo_base64),
        profile=parsed.profile.dict() if parsed.profile else None,
        health={"notes": parsed.health_notes} if parsed.health_notes else None,
    )
    if parsed.screening is not None:
        participant = services.participant_screen(
            actor=principal, participant=participant, **parsed.screening.dict()
        )
    return {"participant": participant.pseudonym}


def _choices(choices: Any) -> list[list[str]]:
    return [[str(value), str(label)] for value, label in choices]


def vocab(principal: Principal) -> dict[str, Any]:
    scopes = {scope for _role, scope in principal.grants}
    regions = sorted(
        set(Site.objects.values_list("region", flat=True))
        if PROGRAMME in scopes
        else {s.partition(":")[2] for s in scopes if s.startswith("region:")}
    )
    return {
        "regions": [[r, r] for r in regions],
        "sexes": _choices(Sex.choices),
        "person_categories": _choices(Category.choices),
        "decisions": _choices(Decision.choices),
        "questions": [[code, str(text)] for code, text in QUESTIONS.items()],
    }


def scope(payload: kinds.Payload) -> Scope:
    """The region a registration names: whose review queue it waits in (people are scoped by
    region, docs/permissions.md)."""
    region = payload.get("region")
    if not isinstance(region, str) or not region.strip():
        return Scope()
    return Scope(region=region.strip().lower()[:80])


kinds.register(
    kinds.FormKind(
        "people.registration",
        gettext_lazy("Demobilization registration"),
        "people.register",
        _registration,
        vocab,
        conflict_fields=frozenset({"region"}),
        sealed=True,
        needs=frozenset({"people.personal_data", "people.health", "people.screen"}),
        files={"photo_base64": lambda data: base64.b64encode(data).decode()},
        scope=scope,
    )
)

"""The permission matrix and the one mechanism that enforces it.

Every view, API endpoint and service names an action from `ACTIONS`; `authorize` decides. The
mechanism lives here, below every app, so that the ledger and each app can use it without
importing `accounts`; each app defines its own actions in its `permissions.py`.
docs/permissions.md is generated from this module (`laydown permissions --markdown`) and a test
keeps the two equal; another test walks every URL with every role against this matrix.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from laydown.access.roles import Role, Scope

ANYONE = "anyone"  # anonymous visitors included
SIGNED_IN = "signed_in"  # any signed-in user, whatever their roles

ALL_ROLES = frozenset(Role)
# Roles that see the records of every organisation; others see their own organisation's only.
CROSS_ORG_ROLES = frozenset({Role.ADMIN, Role.PROGRAMME_MANAGER, Role.AUDITOR})


@dataclass(frozen=True)
class Action:
    name: str
    description: str | Promise  # translated (gettext_lazy): pages show it in the user's language
    roles: frozenset[str] = field(default_factory=frozenset)
    audience: str | None = None  # ANYONE or SIGNED_IN instead of roles
    scoped: bool = False  # a site/region grant covers only its own sites
    own_org: bool = False  # non-cross-org roles act on their own organisation's records only

    def is_open_to(self, audience: str) -> bool:
        return self.audience == ANYONE or (self.audience == SIGNED_IN and audience == SIGNED_IN)


ACTIONS: dict[str, Action] = {}


def define(
    name: str, description: str | Promise, roles: Iterable[str] = (), **kw: object
) -> Action:
    if name in ACTIONS:
        raise ValueError(f"action {name!r} is defined twice")
    action = Action(name=name, description=description, roles=frozenset(roles), **kw)  # type: ignore[arg-type]
    ACTIONS[name] = action
    return action


class NotAuthenticated(PermissionDenied):
    """No (valid) credentials: sign in, or send a valid token."""


@dataclass(frozen=True)
class Principal:
    """Who is acting: a signed-in user, or a user acting through an API token."""

    user_id: int | None
    pseudonym: str | None
    organisation_id: int | None
    grants: tuple[tuple[str, str], ...] = ()  # (role, scope)
    token_actions: frozenset[str] | None = None  # None: not a token

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    def roles(self) -> frozenset[str]:
        return frozenset(role for role, _scope in self.grants)


ANONYMOUS = Principal(user_id=None, pseudonym=None, organisation_id=None)


def actor_of(principal: Principal) -> str:
    """How ledger records, custody events and refusal logs name `principal` as their actor, the
    same in every app: its pseudonym ("system" for the operator at the shell), or "anonymous"."""
    return principal.pseudonym or "anonymous"


def grants_for(principal: Principal, action: Action) -> list[tuple[str, str]]:
    return [(role, scope) for role, scope in principal.grants if role in action.roles]


def is_allowed(
    principal: Principal,
    name: str,
    *,
    scope: Scope | None = None,
    organisation_id: int | None = None,
) -> bool:
    try:
        authorize(principal, name, scope=scope, organisation_id=organisation_id)
    except PermissionDenied:
        return False
    return True


def authorize(
    principal: Principal,
    name: str,
    *,
    scope: Scope | None = None,
    organisation_id: int | None = None,
) -> None:
    """Raise NotAuthenticated or PermissionDenied unless `principal` may do `name`.

    `scope` is where the action happens (omit it to ask "anywhere at all?"); `organisation_id`
    is the organisation owning the record acted on, for actions limited to one's own.
    """
    action = ACTIONS.get(name)
    if action is None:
        raise PermissionDenied(f"unknown action {name!r}")  # a bug: every action is defined
    if action.audience == ANYONE:
        return
    if principal.is_anonymous:
        raise NotAuthenticated(_("Please sign in to do this."))
    if principal.token_actions is not None and name not in principal.token_actions:
        raise PermissionDenied(
            _("This API token is not valid for “%(action)s”.") % {"action": name}
        )
    if action.audience == SIGNED_IN:
        return
    held = grants = grants_for(principal, action)
    if scope is not None and action.scoped:
        grants = [(role, s) for role, s in grants if scope.covered_by(s)]
    if not grants:
        raise PermissionDenied(_refusal(action, held))
    if action.own_org and organisation_id is not None:
        if organisation_id != principal.organisation_id and not any(
            role in CROSS_ORG_ROLES for role, _s in grants
        ):
            raise PermissionDenied(_("This record belongs to another organisation."))


def _refusal(action: Action, held: list[tuple[str, str]]) -> str:
    """Why the refusal, in words (the 403 page shows it): whose work it is, or where one's
    roles allow it; never an action's code."""
    if held:
        return _("Your roles allow this only at %(scopes)s, not here.") % {
            "scopes": ", ".join(sorted({scope for _role, scope in held}))
        }
    labels = [str(role.label) for role in Role if role in action.roles]
    return _("Your roles do not allow this: it is the work of %(roles)s.") % {
        "roles": ", ".join(labels)
    }


def matrix_markdown() -> str:
    """docs/permissions.md: the matrix as a table, generated from ACTIONS, in English."""
    with translation.override("en"):
        return _matrix_markdown()


def _matrix_markdown() -> str:
    roles = list(Role)
    head = "| action | " + " | ".join(r.value for r in roles) + " | scope | description |"
    lines = [
        "# Permission matrix",
        "",
        "Generated from the actions that each app defines in its `permissions.py` (the mechanism",
        "is `laydown/access/permissions.py`) by `laydown permissions --markdown`; a test fails",
        "when this file and the code differ, and another walks every URL and API endpoint with",
        "every role against it.",
        "",
        "- ✓ allowed; · denied. *anyone*: anonymous visitors too; *signed in*: any signed-in user.",
        "- scope *site*: a grant for a site covers that site; for a region, its sites; for the",
        "  programme, all. *own org*: roles other than admin, programme manager and auditor act",
        "  only on their own organisation's records (others' look absent: 404).",
        "- *field_supervisor*: enrols the devices of the users of their sites and works the review",
        "  queue of their sites and regions ([offline.md](offline.md#supervisors)).",
        "",
        head,
        "|---|" + "---|" * len(roles) + "---|---|",
    ]
    for action in sorted(ACTIONS.values(), key=lambda a: a.name):
        if action.audience:
            cells = ["*" + action.audience.replace("_", " ") + "*"] * len(roles)
        else:
            cells = ["✓" if r in action.roles else "·" for r in roles]
        scope = ", ".join(
            x for x, on in (("site", action.scoped), ("own org", action.own_org)) if on
        )
        lines.append(
            f"| `{action.name}` | "
            + " | ".join(cells)
            + f" | {scope or '—'} | {action.description} |"
        )
    return "\n".join(lines) + "\n"


# ---- The one action of no app. Each app defines its own in its permissions.py, imported by
# its AppConfig.ready(), so the matrix is whole once Django has started. ----

define("public.view", gettext_lazy("Public pages, the served log and its proofs"), audience=ANYONE)

"""The actions of accounts: one's own profile and tokens, organisations, users and roles."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from laydown.access.permissions import ALL_ROLES, SIGNED_IN, define
from laydown.access.roles import Role

define(
    "account.profile",
    gettext_lazy("See and change one's own profile and second factor"),
    audience=SIGNED_IN,
)
define(
    "account.tokens",
    gettext_lazy("Create, list and revoke one's own API tokens"),
    audience=SIGNED_IN,
)
define("accounts.org_manage", gettext_lazy("Create organisations and list them"), [Role.ADMIN])
define(
    "accounts.org_view",
    gettext_lazy("See an organisation's details: one's own; admins, managers and auditors any"),
    ALL_ROLES,
    own_org=True,
)
define(
    "accounts.user_manage",
    gettext_lazy(
        "Create users, list them, deactivate and reactivate them, set passwords, reset second "
        "factors"
    ),
    [Role.ADMIN],
)
define("accounts.role_grant", gettext_lazy("Grant and revoke roles"), [Role.ADMIN])
define(
    "accounts.token_revoke_any", gettext_lazy("Revoke any organisation's API token"), [Role.ADMIN]
)
define(
    "accounts.programme_manage",
    gettext_lazy(
        "Set the programme's profile: name, operator, logo, classification marking, languages, "
        "time zone, regions"
    ),
    [Role.ADMIN],
)

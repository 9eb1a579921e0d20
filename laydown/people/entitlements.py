"""Reinsertion support: the rules, in one place, shown as they are on the rules page.

Amounts are whole units of the programme's currency (records hold no floats). A participant
receives a monthly instalment for a fixed number of months after being found eligible, plus a
supplement per declared dependant (up to a cap). Children receive no cash (IDDRS 5.30): their
support is in kind, through the child-protection workflow. Dependants are supported through the
participant they depend on.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from laydown.people.vocab import Category

CURRENCY = "AMD"


@dataclass(frozen=True)
class Rule:
    category: str
    monthly: int  # per instalment
    instalments: int  # months
    per_dependant: int  # added to each instalment per dependant
    max_dependants: int  # dependants counted at most
    note: object  # lazy text


RULES: dict[str, Rule] = {
    Category.COMBATANT: Rule(
        Category.COMBATANT, 60_000, 6, 10_000, 4, _("Transitional safety allowance")
    ),
    Category.ASSOCIATED: Rule(
        Category.ASSOCIATED, 45_000, 6, 10_000, 4, _("Transitional safety allowance")
    ),
    Category.DEPENDANT: Rule(
        Category.DEPENDANT, 0, 0, 0, 0, _("Supported through the participant they depend on")
    ),
    Category.CHILD: Rule(
        Category.CHILD, 0, 0, 0, 0, _("No cash: in-kind support through child protection")
    ),
}


def instalment_amount(*, category: str, dependants: int) -> int:
    """The amount of one monthly instalment for a participant of `category`."""
    rule = RULES[category]
    if rule.instalments == 0:
        return 0
    return rule.monthly + rule.per_dependant * min(dependants, rule.max_dependants)


def instalments_due(*, category: str, paid: int) -> int:
    """How many instalments remain once `paid` have been included in approved cycles."""
    return max(RULES[category].instalments - paid, 0)

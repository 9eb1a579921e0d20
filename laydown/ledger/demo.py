"""Demo data of the ledger: the record that opens the log. Other apps add theirs."""

from __future__ import annotations

from django.conf import settings

from laydown.ledger import keys, selectors, services
from laydown.ledger.records import LOG_OPENED

SYSTEM_ACTOR = "system"


def demo_load() -> str:
    if selectors.log_size() > 0:
        return f"The log already holds {selectors.log_size()} records; demo data left as it is."
    services.record_append(
        kind=LOG_OPENED.name,
        data={"origin": settings.LAYDOWN_LOG_ORIGIN, "verifier_key": keys.log_verifier_key()},
        actor=SYSTEM_ACTOR,
    )
    return f"Opened the log {settings.LAYDOWN_LOG_ORIGIN}; verifier key {keys.log_verifier_key()}"

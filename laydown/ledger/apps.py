from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "laydown.ledger"
    label = "ledger"

    def ready(self) -> None:
        from laydown.core import listing
        from laydown.ledger import list_exports, permissions, records  # noqa: F401

        listing.on_export(list_exports.record)  # each list export is a ledger record

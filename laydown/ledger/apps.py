from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "laydown.ledger"
    label = "ledger"

    def ready(self) -> None:
        from laydown.ledger import records  # noqa: F401  (registers the ledger's record kinds)

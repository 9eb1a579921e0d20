from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "laydown.ledger"
    label = "ledger"

    def ready(self) -> None:
        from laydown.ledger import permissions, records  # noqa: F401  (actions, record kinds)

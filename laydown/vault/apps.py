from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "laydown.vault"
    label = "vault"

    def ready(self) -> None:
        from laydown.vault import records  # noqa: F401  (registers the record kinds)

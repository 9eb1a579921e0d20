from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "laydown.accounts"
    label = "accounts"

    def ready(self) -> None:
        from laydown.accounts import permissions, records  # noqa: F401  (actions, kinds)

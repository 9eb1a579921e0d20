from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "laydown.accounts"
    label = "accounts"

    def ready(self) -> None:
        from laydown.accounts import permissions, records  # noqa: F401  (actions, kinds)
        from laydown.accounts.context import programme_varies
        from laydown.core import page_cache

        page_cache.PAGE_VARIES.append(programme_varies)  # every page shows the profile

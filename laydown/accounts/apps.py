from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "laydown.accounts"
    label = "accounts"

    def ready(self) -> None:
        from axes.signals import user_locked_out

        from laydown.accounts import permissions, records  # noqa: F401  (actions, kinds)
        from laydown.accounts.signin import on_user_locked_out

        user_locked_out.connect(on_user_locked_out, dispatch_uid="laydown-signin-throttled")

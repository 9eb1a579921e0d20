from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "laydown.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from laydown.ops import periodic  # noqa: F401  (registers backups and witness pushes)

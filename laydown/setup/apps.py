from django.apps import AppConfig


class SetupConfig(AppConfig):
    name = "laydown.setup"
    label = "setup"

    def ready(self) -> None:
        from laydown.setup import permissions, workbook_job  # noqa: F401  (register them)

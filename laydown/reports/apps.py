from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "laydown.reports"
    label = "reports"

    def ready(self) -> None:
        from laydown.reports import permissions  # noqa: F401  (registers the actions)

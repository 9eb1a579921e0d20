from django.apps import AppConfig


class FieldConfig(AppConfig):
    name = "laydown.field"
    label = "field"
    verbose_name = "Field capture"

    def ready(self) -> None:
        from laydown.field import permissions, records  # noqa: F401  (register at start-up)

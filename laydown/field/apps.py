from django.apps import AppConfig


class FieldConfig(AppConfig):
    name = "laydown.field"
    label = "field"
    verbose_name = "Field capture"

    def ready(self) -> None:
        from laydown.core.imports import exports
        from laydown.field import permissions, records, selectors  # noqa: F401  (register)

        # An export of ODK Central or KoBoToolbox skips the submissions received before.
        exports.received_lookup = selectors.submissions_received

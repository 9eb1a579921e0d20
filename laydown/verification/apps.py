from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "laydown.verification"
    label = "verification"

    def ready(self) -> None:
        from laydown.verification import permissions, records  # noqa: F401  (actions, kinds)

from django.apps import AppConfig


class ArmsConfig(AppConfig):
    name = "laydown.arms"
    label = "arms"
    verbose_name = "Disarmament registry"

    def ready(self) -> None:
        from laydown.arms import permissions, records  # noqa: F401  (register actions and kinds)

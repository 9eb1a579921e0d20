from django.apps import AppConfig


class TracingConfig(AppConfig):
    name = "laydown.tracing"
    label = "tracing"

    def ready(self) -> None:
        from laydown.tracing import hooks, permissions, records  # noqa: F401  (actions, kinds)

        hooks.install()

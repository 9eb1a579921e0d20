from django.apps import AppConfig


class TracingConfig(AppConfig):
    name = "laydown.tracing"
    label = "tracing"

    def ready(self) -> None:
        from laydown.tracing import hooks, import_job, permissions, records  # noqa: F401  (registries)

        hooks.install()

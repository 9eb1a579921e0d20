from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "laydown.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        from laydown.jobs import (
            coverage,  # noqa: F401  (declares what replay leaves out)
            periodic,  # noqa: F401  (registers the purge of old jobs)
            permissions,  # noqa: F401  (registers the actions)
        )

from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "laydown.jobs"
    label = "jobs"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        from laydown.core import listing
        from laydown.jobs import (
            coverage,  # noqa: F401  (declares what replay leaves out)
            exports,
            periodic,  # noqa: F401  (registers the purge of old jobs)
            permissions,  # noqa: F401  (registers the actions)
        )

        listing.on_large_export(exports.export_defer)  # large exports go to the worker

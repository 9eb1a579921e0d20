from django.apps import AppConfig


class ArmsConfig(AppConfig):
    name = "laydown.arms"
    label = "arms"
    verbose_name = "Disarmament registry"

    def ready(self) -> None:
        # register actions, record kinds and the import job kind
        from laydown.access.roles import register_site_regions
        from laydown.arms import field_forms, import_job, permissions, records  # noqa: F401
        from laydown.arms.selectors import site_regions

        register_site_regions(site_regions)  # grants at a site lie in its region

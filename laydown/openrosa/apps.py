from django.apps import AppConfig


class OpenRosaConfig(AppConfig):
    name = "laydown.openrosa"
    label = "openrosa"
    verbose_name = "OpenRosa server (ODK Collect, KoBoCollect)"

    def ready(self) -> None:
        from laydown.openrosa import coverage  # noqa: F401  (registry)

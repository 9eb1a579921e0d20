from django.apps import AppConfig


class OpenRosaConfig(AppConfig):
    name = "laydown.openrosa"
    label = "openrosa"
    verbose_name = "OpenRosa server (ODK Collect, KoBoCollect)"

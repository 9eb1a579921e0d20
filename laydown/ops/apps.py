from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "laydown.ops"
    label = "ops"
    verbose_name = "Operations"

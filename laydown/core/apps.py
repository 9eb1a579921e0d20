from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "laydown.core"
    label = "core"

from django.apps import AppConfig


class SetupConfig(AppConfig):
    name = "laydown.setup"
    label = "setup"

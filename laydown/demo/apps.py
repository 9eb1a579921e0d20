from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "laydown.demo"
    label = "demo"

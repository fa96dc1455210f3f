from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "acucare.demo"
    label = "demo"
    verbose_name = "Demo clinic"

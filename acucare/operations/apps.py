from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "acucare.operations"
    label = "operations"
    verbose_name = "Operations"

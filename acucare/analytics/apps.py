from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "acucare.analytics"
    label = "analytics"
    verbose_name = "Clinic outcomes against the trials"

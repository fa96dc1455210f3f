from django.apps import AppConfig


class TreatmentConfig(AppConfig):
    name = "acucare.treatment"
    label = "treatment"
    verbose_name = "Treatment plans and sessions"

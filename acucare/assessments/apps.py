from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "acucare.assessments"
    label = "assessments"
    verbose_name = "Intake and safety screening"

from django.apps import AppConfig


class EducationConfig(AppConfig):
    name = "acucare.education"
    label = "education"
    verbose_name = "Patient education"

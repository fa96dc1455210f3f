from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "acucare.patients"
    label = "patients"
    verbose_name = "Patients and episodes of care"

from django.apps import AppConfig


class ClinicSiteConfig(AppConfig):
    name = "acucare.clinic_site"
    label = "clinic_site"
    verbose_name = "Clinic site"

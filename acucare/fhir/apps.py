from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "acucare.fhir"
    label = "fhir"
    verbose_name = "FHIR R4 and record export"

from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "acucare.fhir"
    label = "fhir"
    verbose_name = "FHIR R4 and record export"

    def ready(self) -> None:
        from acucare.fhir.sections import chart_record_export
        from acucare.patients.chart_sections import register_chart_section

        register_chart_section("record_export", chart_record_export)

from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "acucare.assessments"
    label = "assessments"
    verbose_name = "Intake and safety screening"

    def ready(self) -> None:
        from acucare.assessments.selectors import chart_assessments
        from acucare.patients.chart_sections import register_chart_section

        register_chart_section("assessments", chart_assessments)

from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "acucare.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes, course reviews and discharge"

    def ready(self) -> None:
        from acucare.outcomes.selectors import before_session_pain, chart_summary
        from acucare.patients.chart_sections import register_chart_section
        from acucare.treatment.reported_pain import register_reported_pain

        register_chart_section("outcomes_summary", chart_summary)
        register_reported_pain("before_session", before_session_pain)

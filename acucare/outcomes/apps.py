from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "acucare.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes, course reviews and discharge"

    def ready(self) -> None:
        from acucare.outcomes.selectors import chart_summary
        from acucare.patients.chart_sections import register_chart_section

        register_chart_section("outcomes_summary", chart_summary)

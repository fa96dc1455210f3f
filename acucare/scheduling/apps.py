from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "acucare.scheduling"
    label = "scheduling"
    verbose_name = "Appointments"

    def ready(self) -> None:
        from acucare.patients.chart_sections import register_chart_section
        from acucare.scheduling.selectors import chart_appointments

        register_chart_section("appointments", chart_appointments)

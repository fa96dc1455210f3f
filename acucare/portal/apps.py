from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "acucare.portal"
    label = "portal"
    verbose_name = "Patient portal"

    def ready(self) -> None:
        from django.core import checks

        from acucare.outcomes.diary_pain import register_diary_pain
        from acucare.outcomes.diary_record import register_diary_record
        from acucare.patients.chart_sections import register_chart_section
        from acucare.portal.crisis import check_crisis_resources
        from acucare.portal.selectors import (
            chart_portal,
            diary_pain_days,
            diary_record_days,
            portal_patients,
        )
        from acucare.reminders.selectors import register_recipients

        register_chart_section("portal", chart_portal)
        register_recipients(portal_patients)
        register_diary_pain("portal", diary_pain_days)
        register_diary_record("portal", diary_record_days)
        checks.register(check_crisis_resources)

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "acucare.portal"
    label = "portal"
    verbose_name = "Patient portal"

    def ready(self) -> None:
        from django.core import checks

        from acucare.patients.chart_sections import register_chart_section
        from acucare.portal.crisis import check_crisis_resources
        from acucare.portal.selectors import chart_portal, portal_patients
        from acucare.reminders.selectors import register_recipients

        register_chart_section("portal", chart_portal)
        register_recipients(portal_patients)
        checks.register(check_crisis_resources)

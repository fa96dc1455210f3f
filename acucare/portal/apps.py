from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "acucare.portal"
    label = "portal"
    verbose_name = "Patient portal"

    def ready(self) -> None:
        from acucare.patients.chart_sections import register_chart_section
        from acucare.portal.selectors import chart_portal

        register_chart_section("portal", chart_portal)

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "acucare.audit"
    label = "audit"
    verbose_name = "Audit log"

from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "acucare.scheduling"
    label = "scheduling"
    verbose_name = "Appointments"

from django.apps import AppConfig


class TodayConfig(AppConfig):
    name = "acucare.today"
    label = "today"
    verbose_name = "Today"

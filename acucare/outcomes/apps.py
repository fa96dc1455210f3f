from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "acucare.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes, course reviews and discharge"

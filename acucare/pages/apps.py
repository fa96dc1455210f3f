from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "acucare.pages"
    label = "pages"
    verbose_name = "Site pages"

from django.urls import path

from acucare.operations import views

app_name = "operations"
urlpatterns = [
    path("readyz", views.readyz, name="readyz"),
]

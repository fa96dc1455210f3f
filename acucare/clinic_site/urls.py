from django.urls import path

from acucare.clinic_site import views

app_name = "clinic_site"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
]

from django.urls import path

from acucare.today import views

app_name = "today"
urlpatterns = [
    path("", views.today, name="today"),
]

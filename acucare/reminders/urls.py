from django.urls import path

from acucare.reminders import views

app_name = "reminders"
urlpatterns = [
    path("", views.reminder_list, name="list"),
]

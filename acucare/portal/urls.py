from django.urls import path

from acucare.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("reminders/", views.reminders, name="reminders"),
    path(
        "questionnaires/<uuid:episode_id>/<str:kind>/",
        views.questionnaire,
        name="questionnaire",
    ),
    path("care/", views.care, name="care"),
    path("diary/", views.diary, name="diary"),
    path("diary/<uuid:session_id>/", views.diary_day, name="diary_day"),
    path("staff/patients/<uuid:patient_id>/invite/", views.invite, name="invite"),
    path(
        "staff/alerts/<uuid:alert_id>/acknowledge/",
        views.alert_acknowledge,
        name="alert_acknowledge",
    ),
]

from django.urls import path

from acucare.outcomes import views

app_name = "outcomes"
urlpatterns = [
    path("episodes/<uuid:episode_id>/", views.episode_outcomes, name="episode"),
    path(
        "episodes/<uuid:episode_id>/measurements/<str:kind>/",
        views.measurement_create,
        name="measure",
    ),
    path("episodes/<uuid:episode_id>/review/", views.review, name="review"),
    path("episodes/<uuid:episode_id>/discharge/", views.discharge, name="discharge"),
    path("plans/<uuid:plan_id>/schedule/", views.schedule_edit, name="schedule"),
]

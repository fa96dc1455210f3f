from django.urls import path

from acucare.treatment import views

app_name = "treatment"
urlpatterns = [
    path("episodes/<uuid:episode_id>/", views.episode_treatment, name="episode"),
    path("episodes/<uuid:episode_id>/plans/", views.plan_generate, name="plan_generate"),
    path("plans/<uuid:plan_id>/", views.plan_detail, name="plan"),
    path("plans/<uuid:plan_id>/points/add/", views.plan_point_add, name="point_add"),
    path("plans/<uuid:plan_id>/points/remove/", views.plan_point_remove, name="point_remove"),
    path("plans/<uuid:plan_id>/points/check/", views.plan_point_check, name="point_check"),
    path("plans/<uuid:plan_id>/approve/", views.plan_approve, name="approve"),
    path("plans/<uuid:plan_id>/sessions/new/", views.session_create, name="session_create"),
    path("plans/<uuid:plan_id>/sessions/check/", views.session_check, name="session_check"),
    path("sessions/<uuid:session_id>/", views.session_detail, name="session"),
    path("sessions/<uuid:session_id>/sign/", views.session_sign, name="sign"),
    path("sessions/<uuid:session_id>/amend/", views.session_amend, name="amend"),
    path("points/", views.point_search, name="point_search"),
]

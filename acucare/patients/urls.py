from django.urls import path

from acucare.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("conditions/", views.condition_search, name="condition_search"),
    path("<uuid:public_id>/", views.patient_chart, name="chart"),
    path("<uuid:public_id>/edit/", views.patient_edit, name="edit"),
    path("<uuid:public_id>/share/", views.patient_share, name="share"),
    path("<uuid:public_id>/unshare/", views.patient_unshare, name="unshare"),
    path("<uuid:public_id>/episodes/new/", views.episode_create, name="episode_create"),
    path("episodes/<uuid:public_id>/edit/", views.episode_edit, name="episode_edit"),
]

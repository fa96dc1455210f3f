from django.urls import path

from acucare.assessments import views

app_name = "assessments"
urlpatterns = [
    path("episodes/<uuid:public_id>/", views.episode_assessments, name="episode"),
    path("episodes/<uuid:public_id>/intake/", views.intake, name="intake"),
    path("score/<slug:instrument_id>/", views.score, name="score"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("<uuid:public_id>/referral-outcome/", views.referral_outcome, name="referral_outcome"),
]

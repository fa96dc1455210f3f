from django.urls import path

from acucare.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("staff/patients/<uuid:patient_id>/invite/", views.invite, name="invite"),
]

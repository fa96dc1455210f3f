from django.urls import path

from acucare.scheduling import views

app_name = "scheduling"
urlpatterns = [
    path("", views.diary, name="diary"),
    path("new/", views.appointment_book, name="book"),
    path("hours/", views.clinic_hours, name="hours"),
    path("availability/", views.availability_edit, name="availability"),
    path("<uuid:public_id>/", views.appointment_detail, name="detail"),
    path("<uuid:public_id>/edit/", views.appointment_edit, name="edit"),
    path("<uuid:public_id>/cancel/", views.appointment_cancel, name="cancel"),
    path("<uuid:public_id>/status/", views.appointment_mark, name="mark"),
]

from django.urls import path

from acucare.education import views

app_name = "education"
urlpatterns = [
    path("", views.index, name="index"),
    path("<slug:slug>/", views.page, name="page"),
]

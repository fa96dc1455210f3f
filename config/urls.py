"""URL glue only: each app owns its own routes."""

from django.urls import include, path

urlpatterns = [
    path("", include("acucare.pages.urls")),
]

from django.urls import path

from acucare.documents import views

app_name = "documents"
urlpatterns = [
    path("episodes/<uuid:episode_id>/<slug:kind>/", views.prepare, name="prepare"),
    path("<uuid:document_id>/download/", views.download, name="download"),
    path("signing/<str:run_id>/", views.signing, name="signing"),
]

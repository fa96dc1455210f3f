from django.urls import path

from acucare.analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("tables/<slug:slug>.csv", views.table_csv, name="table_csv"),
    path("research.csv", views.research_csv, name="research_csv"),
]

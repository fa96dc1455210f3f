from django.urls import path

from acucare.fhir import views

app_name = "fhir"

urlpatterns = [
    path("r4/metadata", views.metadata, name="metadata"),
    path("r4/Patient/<str:patient_id>", views.patient_read, name="patient"),
    path("r4/Patient/<str:patient_id>/$everything", views.patient_everything, name="everything"),
    path("r4/Observation", views.observation_search, name="observations"),
    path("r4/Questionnaire/<str:questionnaire_id>", views.questionnaire_read, name="questionnaire"),
    path(
        "record-export/patients/<str:patient_id>/",
        views.record_export_start,
        name="record_export",
    ),
    path(
        "record-export/<str:run_id>/", views.record_export_download, name="record_export_download"
    ),
]

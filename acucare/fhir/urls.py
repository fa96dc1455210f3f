from django.urls import path

from acucare.fhir import views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    path("Patient/<str:patient_id>", views.patient_read, name="patient"),
    path("Patient/<str:patient_id>/$everything", views.patient_everything, name="everything"),
    path("Observation", views.observation_search, name="observations"),
    path("Questionnaire/<str:questionnaire_id>", views.questionnaire_read, name="questionnaire"),
]

"""URL glue only: each app owns its own routes."""

from django.urls import include, path

from acucare.api import api

urlpatterns = [
    path("", include("acucare.clinic_site.urls")),
    path("", include("acucare.operations.urls")),
    path("", include("acucare.accounts.urls")),
    path("patients/", include("acucare.patients.urls")),
    path("assessments/", include("acucare.assessments.urls")),
    path("treatment/", include("acucare.treatment.urls")),
    path("outcomes/", include("acucare.outcomes.urls")),
    path("documents/", include("acucare.documents.urls")),
    path("appointments/", include("acucare.scheduling.urls")),
    path("today/", include("acucare.today.urls")),
    path("portal/learn/", include("acucare.education.urls")),
    path("portal/", include("acucare.portal.urls")),
    path("admin/audit/", include("acucare.audit.urls")),
    path("admin/reminders/", include("acucare.reminders.urls")),
    path("api/v1/", api.urls),
    path("fhir/", include("acucare.fhir.urls")),
    path("analytics/", include("acucare.analytics.urls")),
]

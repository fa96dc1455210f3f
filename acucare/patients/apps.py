from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "acucare.patients"
    label = "patients"
    verbose_name = "Patients and episodes of care"

    def ready(self) -> None:
        from acucare.audit.patient_lookup import register_patient_lookup
        from acucare.patients.selectors import patients_named_for_audit

        register_patient_lookup(patients_named_for_audit)

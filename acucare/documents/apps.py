from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "acucare.documents"
    label = "documents"
    verbose_name = "Letters and reports (signed PDFs)"

    def ready(self) -> None:
        from acucare.documents.chart import chart_documents
        from acucare.patients.chart_sections import register_chart_section

        register_chart_section("documents_section", chart_documents)

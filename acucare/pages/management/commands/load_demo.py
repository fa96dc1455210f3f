"""Load the demo clinic. Until the clinic app exists, this reports the knowledge base."""

from django.core.management.base import BaseCommand

from acucare.pages.selectors import knowledge_summary


class Command(BaseCommand):
    help = "Load demo data for `make demo`."

    def handle(self, *args: object, **options: object) -> None:
        summary = knowledge_summary()
        self.stdout.write(f"knowledge base {summary.version}")
        self.stdout.write("acucare demo: open http://127.0.0.1:8000/")

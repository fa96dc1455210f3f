"""Load the demo clinic and print the staff sign-in details (new passwords each run)."""

from django.core.management.base import BaseCommand

from acucare.accounts.models import Role
from acucare.demo import clinic as demo_clinic
from acucare.demo.loader import STAFF, load_demo, load_portal_accounts


class Command(BaseCommand):
    help = "Create (or refresh) the demo clinic for `make demo` and print its sign-ins."

    def handle(self, *args: object, **options: object) -> None:
        passwords, created = load_demo()
        roles = dict(Role.choices)
        self.stdout.write("")
        self.stdout.write(
            "acucare demo clinic" + (f" ({created} patients added)" if created else "")
        )
        self.stdout.write("Open http://127.0.0.1:8000/sign-in/ and sign in as:")
        for account in STAFF:
            label = f"{roles[account.role]} ({account.first_name} {account.last_name})"
            self.stdout.write(f"  {label:<36} {account.username:<10} {passwords[account.username]}")
        portal = load_portal_accounts()
        if portal:
            self.stdout.write("Patients open http://127.0.0.1:8000/portal/ and sign in as:")
            for sign_in in portal:
                self.stdout.write(f"  {sign_in.name + ':':<24} {sign_in.email} {sign_in.password}")
        self.stdout.write("Passwords are generated afresh each time the demo starts.")
        self.stdout.write("")
        self.stdout.write("Patients by stage (Dr Chen and Dr Okafor each see their own):")
        for label, names in demo_clinic.summary():
            self.stdout.write(f"  {label + ':':<24} {', '.join(names)}")
        if demo_clinic.predates_stages():
            self.stdout.write(
                "This demo database was made before the patients had clinical records: "
                "delete var/demo.sqlite3 and run `make demo` again to load them."
            )
        self.stdout.write("")

"""Create the clinic's one settings row, so no request has to."""

from django.db import migrations


def create_row(apps, schema_editor):
    Clinic = apps.get_model("accounts", "Clinic")
    Clinic.objects.get_or_create(pk=1, defaults={"name": "Clinic"})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_users_roles_clinic_credentials_tokens")]

    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]

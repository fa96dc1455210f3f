"""Each episode carries its number of signed sessions (acucare.treatment.counts), counted
here from the sessions already signed."""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce


def backfill(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    episode = apps.get_model("patients", "Episode")
    session = apps.get_model("treatment", "TreatmentSession")
    counted = (
        session.objects.filter(plan__episode=OuterRef("pk"), status="signed")
        .order_by()
        .values("plan__episode")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    episode.objects.update(
        signed_sessions=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("patients", "0002_referrer_and_gp_details"),
        ("treatment", "0001_plans_and_sessions"),
    ]

    operations = [
        migrations.AddField(
            model_name="episode",
            name="signed_sessions",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]

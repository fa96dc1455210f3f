"""The de-identified research export: nothing that names a patient, no free text, dates
moved by one shift per patient, ids that two exports do not share."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from acucare.analytics.research import COLUMNS, Keys, age_band
from acucare.outcomes.models import Discharge
from acucare.patients.models import Episode
from tests.analytics.factories import reviewed_course
from tests.factories import make_admin, make_practitioner, signed_in

pytestmark = pytest.mark.django_db


def _export(client) -> list[dict[str, str]]:
    response = client.get("/analytics/research.csv")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_the_export_carries_no_identifier_and_no_free_text():
    practitioner = make_practitioner()
    worlds = [reviewed_course(practitioner) for _ in range(2)]
    body_rows = _export(signed_in(make_admin()))
    assert len(body_rows) == 2
    assert list(body_rows[0]) == list(COLUMNS)
    text = repr(body_rows)
    for world in worlds:
        patient = world.episode.patient
        for value in (
            patient.given_name,
            patient.family_name,
            str(patient.public_id),
            str(world.episode.public_id),
            patient.date_of_birth.isoformat(),
            world.episode.complaint,
            world.episode.started_on.isoformat(),
        ):
            assert value not in text
    assert "Mrs Example" not in text  # the discharge advice
    assert "Reviewed with the patient" not in text  # the review's reason
    assert "M54" not in text  # no ICD-10 code
    assert body_rows[0]["condition"] == "Chronic low back pain"


def test_dates_move_by_one_shift_per_patient_and_intervals_stay_true():
    practitioner = make_practitioner()
    world = reviewed_course(practitioner)
    row = _export(signed_in(practitioner))[0]
    episode = Episode.objects.get(pk=world.episode.pk)
    started = dt.date.fromisoformat(row["started"])
    ended = dt.date.fromisoformat(row["ended"])
    assert started != episode.started_on
    assert 1 <= abs((started - episode.started_on).days) <= 182
    assert episode.ended_on is not None
    assert (ended - started) == (episode.ended_on - episode.started_on)
    discharge = Discharge.objects.get(episode=episode)
    assert int(row["discharge_day"]) == (discharge.date - episode.started_on).days
    assert row["discharge_tier"] == "substantial_improvement"


def test_two_exports_cannot_be_linked():
    practitioner = make_practitioner()
    reviewed_course(practitioner)
    client = signed_in(practitioner)
    first, second = _export(client)[0], _export(client)[0]
    assert first["patient"] != second["patient"]
    assert first["course"] != second["course"]


def test_a_shift_is_the_same_for_one_patient_and_differs_between_patients():
    keys = Keys(b"k" * 32)
    assert keys.shift("a") == keys.shift("a")
    shifts = {keys.shift(str(i)).days for i in range(200)}
    assert 0 not in shifts
    assert min(shifts) < 0 < max(shifts)
    assert all(1 <= abs(d) <= 182 for d in shifts)


@pytest.mark.parametrize(
    ("born", "on", "band"),
    [
        (dt.date(1980, 6, 1), dt.date(2026, 5, 31), "45-49"),
        (dt.date(1980, 6, 1), dt.date(2026, 6, 1), "45-49"),
        (dt.date(1981, 6, 2), dt.date(2026, 6, 1), "40-44"),
        (dt.date(1930, 1, 1), dt.date(2026, 1, 1), "90+"),
    ],
)
def test_ages_are_five_year_bands_with_90_and_over_together(born, on, band):
    assert age_band(born, on) == band

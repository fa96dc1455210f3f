"""The clinic's time zone is a setting, and every date shown or compared is local
(issue 14: the clinic ran in UTC, so "today" was off by the offset)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone
from freezegun import freeze_time

from tests.factories import (
    make_admin,
    make_appointment,
    make_patient,
    make_practitioner,
    make_reception,
    signed_in,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
# 23:30 UTC on 1 June is 11:30 on 2 June in Auckland (NZST, UTC+12).
EVENING_UTC = dt.datetime(2026, 6, 1, 23, 30, tzinfo=dt.UTC)


def _settings_in_a_process(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "from django.utils import timezone; "
            "print(settings.TIME_ZONE, timezone.get_current_timezone_name())",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        timeout=60,
        check=False,
    )


def test_the_time_zone_comes_from_the_clinic_setting():
    done = _settings_in_a_process(ACUCARE_TIME_ZONE="Pacific/Auckland")
    assert done.stdout.split() == ["Pacific/Auckland", "Pacific/Auckland"]


def test_an_unknown_time_zone_is_refused_at_start_up():
    done = _settings_in_a_process(ACUCARE_TIME_ZONE="Mars/Olympus_Mons")
    assert done.returncode != 0
    assert "ACUCARE_TIME_ZONE" in done.stderr


@pytest.fixture
def auckland(settings):
    settings.TIME_ZONE = "Pacific/Auckland"
    with freeze_time(EVENING_UTC):
        yield


def test_today_is_the_clinics_date_not_utcs(auckland):
    assert timezone.localdate() == dt.date(2026, 6, 2)


def test_the_diary_opens_on_the_local_day_and_shows_local_times(auckland):
    doc = make_practitioner()
    start = dt.datetime(2026, 6, 2, 14, 0, tzinfo=timezone.get_current_timezone())
    make_appointment(make_patient(doc), doc, start=start)
    html = signed_in(make_reception()).get("/appointments/").content.decode()
    assert 'value="2026-06-02"' in html
    assert "14:00" in html


def test_the_audit_log_shows_local_times(auckland):
    admin = make_admin()
    client = signed_in(admin)
    client.get("/admin/audit/")
    html = client.get("/admin/audit/").content.decode()
    assert "2026-06-02 11:30" in html
    assert "(UTC)" not in html

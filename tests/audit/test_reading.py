"""The audit log's detail column in words (issue 15, item 9): labels and old → new,
never Python data; and the filter by a patient's full name (bounded, admin only)."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied

from acucare.audit.models import AuditEvent
from acucare.audit.reading import detail_text, readable_detail
from acucare.audit.services import audit_record
from acucare.domain.errors import InputError
from acucare.patients.selectors import AUDIT_NAME_MATCHES, patients_named_for_audit
from tests.factories import actor, make_admin, make_patient, make_practitioner, signed_in

ID = "0f8e3a1c-6d2b-4c3e-9a8f-1b2c3d4e5f60"


@pytest.mark.parametrize(
    ("detail", "expected"),
    [
        (
            {"change": "sign", "needles_out": [4, 5], "needle_mismatch_explained": True},
            ["Sign", "needle count difference explained: yes", "needles out: 4 → 5"],
        ),
        ({"before": "booked", "after": "cancelled"}, ["Booked → cancelled"]),
        (
            {
                "before": {"complaint": "Back pain", "status": "active"},
                "after": {"complaint": "Back pain", "status": "on_hold"},
            },
            ["status: active → On hold"],
        ),
        ({"fields": ["phone", "given_name"]}, ["Changed: phone, given name"]),
        (
            {"change": "add_point", "code": "BL23", "side": "bilateral"},
            ["Add point", "code: BL23", "side: bilateral"],
        ),
        ({"episode": ID, "plans": [ID, ID, ID, ID]}, ["episode: 0f8e3a1c…", "plans: 4 items"]),
        (
            {"adverse_events": ["haematoma", "needle_pain"]},
            ["adverse events: haematoma, needle pain"],
        ),
        ({"practitioner": None, "searched": False}, ["practitioner: none", "searched: no"]),
        (
            {"filters": {"action": "read", "patient_id": ID}},
            ["filters: action read, patient id 0f8e3a1c…"],
        ),
        # Only lower-case snake_case reads as an identifier; other text stays as written.
        (
            {"reason": "Needle_Pain", "code": "EX_B2", "note": "3_a"},
            ["code: EX_B2", "note: 3_a", "reason: Needle_Pain"],
        ),
        (
            {"change": "verify", "licence_expiry": ["2026-01-01", "2027-01-01"]},
            ["Verify", "licence expiry: 2026-01-01 → 2027-01-01"],
        ),
    ],
)
def test_details_read_as_words(detail, expected):
    assert readable_detail(detail) == expected


def test_no_python_data_reaches_the_page():
    text = detail_text({"before": {"a_b": [1, 2]}, "after": {"a_b": {"x_y": True}}, "z": (1,)})
    assert not re.search(r"[\[\]{}']|\bTrue\b|\bNone\b|_", text), text
    assert len(detail_text({"q": "x" * 500})) == 240


@pytest.mark.django_db
def test_the_log_page_shows_the_change_in_words():
    doc = make_practitioner()
    audit_record(
        actor=actor(doc),
        action="update",
        object_type="treatment_session",
        detail={"change": "sign", "needles_out": [4, 5], "needle_mismatch_explained": False},
    )
    page = signed_in(make_admin()).get("/admin/audit/?object_type=").content.decode()
    assert "Sign; needle count difference explained: no; needles out: 4 → 5" in page
    assert "needles_out" not in page


@pytest.mark.django_db
def test_the_log_filters_by_a_patients_full_name():
    doc = make_practitioner()
    one = make_patient(doc, given_name="Ann", family_name="van der Berg", preferred_name="Annie")
    other = make_patient(doc, given_name="Ann", family_name="Bergman")
    viewer = signed_in(doc)
    viewer.get(f"/patients/{one.public_id}/")
    viewer.get(f"/patients/{other.public_id}/")
    admin = signed_in(make_admin())
    page = admin.get("/admin/audit/?patient_name=annie+VAN+DER+berg").content.decode()
    assert "1 patient with that name" in page
    assert "1 event" in page
    assert str(one.public_id)[:8] in page
    assert str(other.public_id)[:8] not in page
    # The name typed is not written to the log: only which patients it matched.
    seen = AuditEvent.objects.filter(object_type="audit_log", action="list").latest("id")
    assert seen.detail["filters"] == {"named_patients": [str(one.public_id)]}
    assert "berg" not in str(seen.detail).lower()
    # Part of a name matches nobody, so the filter cannot list names.
    partial = admin.get("/admin/audit/?patient_name=Ann+Berg").content.decode()
    assert "No patient has exactly that name" in partial
    assert "0 events" in partial
    short = admin.get("/admin/audit/?patient_name=Ann")
    assert short.status_code == 422
    assert "given name and family name" in short.content.decode()


@pytest.mark.django_db
def test_the_name_look_up_is_the_admins_and_bounded():
    doc = make_practitioner()
    for _ in range(AUDIT_NAME_MATCHES + 2):
        make_patient(doc, given_name="Sam", family_name="Lee")
    assert len(patients_named_for_audit(actor(make_admin()), "Sam Lee")) == AUDIT_NAME_MATCHES
    with pytest.raises(PermissionDenied):
        patients_named_for_audit(actor(doc), "Sam Lee")
    with pytest.raises(InputError):
        patients_named_for_audit(actor(make_admin()), "x" * 5000)

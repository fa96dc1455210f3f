"""Patient and episode services: validation, access, optimistic concurrency, and one
audit event per write."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from acucare.audit.models import AuditEvent
from acucare.domain.errors import ConflictError, InputError
from acucare.patients import selectors, services
from acucare.patients.models import Episode, Patient
from tests.factories import (
    actor,
    make_admin,
    make_patient,
    make_practitioner,
    make_reception,
    share,
)

pytestmark = pytest.mark.django_db

ADA = services.Demographics(
    given_name="Ada", family_name="Moreno", date_of_birth=dt.date(1971, 3, 4), sex="female"
)


def test_a_practitioner_registers_their_own_patient_with_one_audit_event():
    doc = make_practitioner()
    patient = services.patient_create(actor=actor(doc), demographics=ADA)
    assert patient.primary_practitioner == doc
    assert (patient.created_by, patient.updated_by) == (doc, doc)
    events = AuditEvent.objects.filter(patient_id=patient.public_id)
    assert [(e.action, e.object_type) for e in events] == [("create", "patient")]


def test_reception_must_name_an_active_practitioner():
    desk = make_reception()
    with pytest.raises(InputError) as caught:
        services.patient_create(actor=actor(desk), demographics=ADA)
    assert caught.value.field == "primary_practitioner"
    inactive = make_practitioner(is_active=False)
    with pytest.raises(InputError):
        services.patient_create(
            actor=actor(desk), demographics=ADA, primary_practitioner=inactive.public_id
        )
    doc = make_practitioner()
    patient = services.patient_create(
        actor=actor(desk), demographics=ADA, primary_practitioner=doc.public_id
    )
    assert patient.primary_practitioner == doc
    assert not Patient.objects.filter(primary_practitioner=inactive).exists()


def test_a_practitioner_cannot_register_a_patient_for_a_colleague():
    doc, colleague = make_practitioner(), make_practitioner()
    with pytest.raises(InputError):
        services.patient_create(
            actor=actor(doc), demographics=ADA, primary_practitioner=colleague.public_id
        )


def test_the_admin_has_no_patient_access():
    with pytest.raises(PermissionDenied):
        services.patient_create(actor=actor(make_admin()), demographics=ADA)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"given_name": "  "}, "given_name"),
        ({"sex": "f"}, "sex"),
        ({"date_of_birth": dt.date.today() + dt.timedelta(days=1)}, "date_of_birth"),
        ({"date_of_birth": dt.date(1850, 1, 1)}, "date_of_birth"),
    ],
)
def test_bad_demographics_name_the_field_and_save_nothing(change, field):
    values = {**vars(ADA), **change}
    with pytest.raises(InputError) as caught:
        services.patient_create(
            actor=actor(make_practitioner()), demographics=services.Demographics(**values)
        )
    assert caught.value.field == field
    assert not Patient.objects.exists()
    assert not AuditEvent.objects.exists()


def test_an_edit_from_a_stale_form_is_refused_not_merged():
    doc = make_practitioner()
    patient = make_patient(doc)
    first = services.patient_update(
        actor=actor(doc),
        patient_id=patient.public_id,
        version=1,
        demographics=services.Demographics(**{**vars(ADA), "phone": "07911 123 222"}),
    )
    assert first.version == 2
    with pytest.raises(ConflictError) as caught:
        services.patient_update(
            actor=actor(doc),
            patient_id=patient.public_id,
            version=1,
            demographics=services.Demographics(**{**vars(ADA), "phone": "07911 123 999"}),
        )
    assert caught.value.current_version == 2
    patient.refresh_from_db()
    assert patient.phone == "+44 7911 123222"
    update = AuditEvent.objects.get(action="update")
    assert "phone" in update.detail["fields"]


def test_two_editors_on_the_page_see_a_conflict_message():
    from tests.factories import signed_in

    doc = make_practitioner()
    desk = make_reception()
    patient = make_patient(doc)
    form = {
        "given_name": "Ada",
        "family_name": "Moreno",
        "date_of_birth": "1971-03-04",
        "sex": "female",
        "version": 1,
    }
    assert (
        signed_in(doc)
        .post(f"/patients/{patient.public_id}/edit/", {**form, "phone": "07911 123 001"})
        .status_code
        == 302
    )
    late = signed_in(desk).post(
        f"/patients/{patient.public_id}/edit/",
        {**form, "phone": "07911 123 002", "primary_practitioner": str(doc.public_id)},
    )
    assert late.status_code == 409
    assert "Someone else changed this patient" in late.content.decode()
    patient.refresh_from_db()
    assert patient.phone == "+44 7911 123001"


def test_only_reception_reassigns_the_primary_practitioner():
    doc, colleague, desk = make_practitioner(), make_practitioner(), make_reception()
    patient = make_patient(doc)
    with pytest.raises(PermissionDenied):
        services.patient_update(
            actor=actor(doc),
            patient_id=patient.public_id,
            version=1,
            demographics=ADA,
            primary_practitioner=colleague.public_id,
        )
    moved = services.patient_update(
        actor=actor(desk),
        patient_id=patient.public_id,
        version=1,
        demographics=ADA,
        primary_practitioner=colleague.public_id,
    )
    assert moved.primary_practitioner == colleague


def test_sharing_gives_a_colleague_access_and_unsharing_removes_it():
    doc, colleague = make_practitioner(), make_practitioner()
    patient = make_patient(doc)
    with pytest.raises(Http404):
        selectors.patient_chart(actor=actor(colleague), patient_id=patient.public_id)
    services.patient_share(
        actor=actor(doc), patient_id=patient.public_id, practitioner=colleague.public_id
    )
    assert selectors.patient_chart(actor=actor(colleague), patient_id=patient.public_id).clinical
    with pytest.raises(InputError):
        services.patient_share(
            actor=actor(doc), patient_id=patient.public_id, practitioner=colleague.public_id
        )
    with pytest.raises(PermissionDenied):
        services.patient_unshare(
            actor=actor(colleague), patient_id=patient.public_id, practitioner=colleague.public_id
        )
    services.patient_unshare(
        actor=actor(doc), patient_id=patient.public_id, practitioner=colleague.public_id
    )
    with pytest.raises(Http404):
        selectors.patient_chart(actor=actor(colleague), patient_id=patient.public_id)


def test_opening_an_episode_normalises_codes_and_audits_once():
    doc = make_practitioner()
    patient = make_patient(doc)
    episode = services.episode_create(
        actor=actor(doc),
        patient_id=patient.public_id,
        complaint=" Knee pain ",
        conditions=[services.ConditionInput("m17.11", 30), services.ConditionInput("M54 50")],
    )
    assert episode.complaint == "Knee pain"
    assert [c.icd10 for c in episode.conditions.all()] == ["M17.11", "M54.50"]
    assert AuditEvent.objects.filter(object_type="episode", action="create").count() == 1


@pytest.mark.parametrize(
    ("conditions", "field"),
    [
        ([], "conditions"),
        ([services.ConditionInput("back pain")], "conditions[0].icd10"),
        (
            [services.ConditionInput("M54.50"), services.ConditionInput("m5450")],
            "conditions[1].icd10",
        ),
        ([services.ConditionInput("M54.50", 99999)], "conditions[0].duration_weeks"),
        ([services.ConditionInput("M5")], "conditions[0].icd10"),
    ],
)
def test_bad_conditions_name_the_field_and_save_nothing(conditions, field):
    doc = make_practitioner()
    patient = make_patient(doc)
    with pytest.raises(InputError) as caught:
        services.episode_create(
            actor=actor(doc), patient_id=patient.public_id, complaint="Pain", conditions=conditions
        )
    assert caught.value.field == field
    assert not Episode.objects.exists()


def test_an_episode_cannot_start_in_the_future():
    doc = make_practitioner()
    patient = make_patient(doc)
    with pytest.raises(InputError) as caught:
        services.episode_create(
            actor=actor(doc),
            patient_id=patient.public_id,
            complaint="Pain",
            started_on=timezone.localdate() + dt.timedelta(days=2),
            conditions=[services.ConditionInput("M54.50")],
        )
    assert caught.value.field == "started_on"


def test_episode_form_errors_sit_next_to_their_fields_and_nothing_is_saved():
    from tests.factories import signed_in

    doc = make_practitioner()
    patient = make_patient(doc)
    response = signed_in(doc).post(
        f"/patients/{patient.public_id}/episodes/new/",
        {"complaint": "Neck pain", "icd10_0": "M54.2", "icd10_1": "neck", "weeks_1": "-3"},
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert 'id="id_icd10_1_error"' in html
    assert 'id="id_weeks_1_error"' in html
    assert not Episode.objects.exists()


def test_every_read_of_a_chart_is_audited_with_the_address():
    doc = make_practitioner()
    patient = make_patient(doc)
    selectors.patient_chart(actor=actor(doc), patient_id=patient.public_id)
    event = AuditEvent.objects.get(action="read")
    assert (event.patient_id, event.actor, event.ip_address) == (
        patient.public_id,
        doc,
        "127.0.0.1",
    )


def test_reception_reads_demographics_only():
    doc, desk = make_practitioner(), make_reception()
    patient = make_patient(doc)
    share(patient, make_practitioner())
    chart = selectors.patient_chart(actor=actor(desk), patient_id=patient.public_id)
    assert not chart.clinical
    assert chart.episodes == []
    assert chart.shared_with == []
    with pytest.raises(PermissionDenied):
        selectors.episode_list(actor=actor(desk), patient_id=patient.public_id)


def test_an_episode_is_discharged_with_an_end_date_and_conflicts_are_refused():
    doc = make_practitioner()
    patient = make_patient(doc)
    episode = services.episode_create(
        actor=actor(doc),
        patient_id=patient.public_id,
        complaint="Pain",
        conditions=[services.ConditionInput("M54.50")],
    )
    done = services.episode_update(
        actor=actor(doc),
        episode_id=episode.public_id,
        version=1,
        complaint="Pain",
        status="discharged",
    )
    assert done.ended_on == timezone.localdate()
    assert done.version == 2
    with pytest.raises(ConflictError):
        services.episode_update(
            actor=actor(doc),
            episode_id=episode.public_id,
            version=1,
            complaint="Pain",
            status="active",
        )
    with pytest.raises(InputError) as caught:
        services.episode_update(
            actor=actor(doc),
            episode_id=episode.public_id,
            version=2,
            complaint="Pain",
            status="closed",
        )
    assert caught.value.allowed == ["active", "on_hold", "discharged"]
    with pytest.raises(Http404):
        services.episode_update(
            actor=actor(make_practitioner()),
            episode_id=episode.public_id,
            version=2,
            complaint="x",
            status="active",
        )


def test_a_resent_create_form_makes_one_record():
    import uuid

    from acucare.core.once import DuplicateSubmission

    doc = make_practitioner()
    key = uuid.uuid4()
    patient = services.patient_create(actor=actor(doc), demographics=ADA, submission=key)
    with pytest.raises(DuplicateSubmission) as caught:
        services.patient_create(actor=actor(doc), demographics=ADA, submission=key)
    assert caught.value.object_id == patient.public_id
    assert Patient.objects.count() == 1
    episode_key = uuid.uuid4()
    conditions = [services.ConditionInput("M54.50")]
    episode = services.episode_create(
        actor=actor(doc),
        patient_id=patient.public_id,
        complaint="Pain",
        conditions=conditions,
        submission=episode_key,
    )
    with pytest.raises(DuplicateSubmission) as again:
        services.episode_create(
            actor=actor(doc),
            patient_id=patient.public_id,
            complaint="Pain",
            conditions=conditions,
            submission=episode_key,
        )
    assert again.value.object_id == episode.public_id
    assert Episode.objects.count() == 1
    # A key used by someone else, or for another kind of form, is refused, not reused.
    with pytest.raises(ConflictError):
        services.patient_create(actor=actor(make_practitioner()), demographics=ADA, submission=key)
    with pytest.raises(ConflictError):
        services.episode_create(
            actor=actor(doc),
            patient_id=patient.public_id,
            complaint="Pain",
            conditions=conditions,
            submission=key,
        )


def test_a_rejected_form_can_be_corrected_and_sent_with_the_same_key():
    import uuid

    doc = make_practitioner()
    key = uuid.uuid4()
    with pytest.raises(InputError):
        services.patient_create(
            actor=actor(doc),
            demographics=services.Demographics(**{**vars(ADA), "given_name": ""}),
            submission=key,
        )
    assert (
        services.patient_create(actor=actor(doc), demographics=ADA, submission=key).given_name
        == "Ada"
    )


def test_the_page_sends_a_double_submitted_episode_form_to_the_chart_once():
    from tests.factories import signed_in

    doc = make_practitioner()
    patient = make_patient(doc)
    client = signed_in(doc)
    page = client.get(f"/patients/{patient.public_id}/episodes/new/").content.decode()
    key = page.split('name="submission" value="')[1].split('"')[0]
    form = {"submission": key, "complaint": "Neck pain", "icd10_0": "M54.2"}
    first = client.post(f"/patients/{patient.public_id}/episodes/new/", form)
    second = client.post(f"/patients/{patient.public_id}/episodes/new/", form)
    assert first["Location"] == second["Location"] == f"/patients/{patient.public_id}/"
    assert Episode.objects.count() == 1


@pytest.mark.django_db
def test_a_form_key_used_by_another_user_is_refused_not_treated_as_a_resend() -> None:
    import uuid

    from acucare.accounts.submissions import claim
    from acucare.core.actor import Actor
    from acucare.domain.errors import ConflictError
    from tests.factories import make_user

    key = uuid.uuid4()
    first, second = make_user(role="practitioner"), make_user(role="practitioner")
    claimed = claim(actor=Actor(user=first), key=key, object_type="episode")
    assert claimed is not None
    with pytest.raises(ConflictError, match="already been used"):
        claim(actor=Actor(user=second), key=key, object_type="episode")

"""`PreparedRead` runs SQL compiled once with new values: it must give exactly what the
ORM gives for the same queryset (values, converters, deferred fields, related objects),
run one query, and refuse, at its first use, any read it cannot prepare faithfully."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from acucare.audit import chain
from acucare.core.prepared import PreparedRead
from acucare.outcomes import selectors as outcome_selectors
from acucare.patients import access
from acucare.patients import selectors as patient_selectors
from acucare.patients.models import Episode, Patient
from acucare.portal import selectors as portal_selectors
from acucare.portal.models import DiaryEntry
from acucare.treatment import selectors as treatment_selectors
from acucare.treatment.models import TreatmentSession
from tests.clinic_fixtures import fast_password_hashing
from tests.documents.factories import discharged_course
from tests.factories import make_episode, make_patient, make_practitioner, share
from tests.outcomes.factories import CourseWorld, make_course
from tests.treatment.factories import make_session

pytestmark = pytest.mark.django_db
__all__ = ["fast_password_hashing"]


def snapshot(found: Any) -> Any:
    """What a result holds, comparable with ==: a model's loaded fields, its deferred
    fields, its state and its cached related objects (recursively)."""
    if isinstance(found, list | tuple):
        return type(found)(snapshot(item) for item in found)
    if isinstance(found, dict):
        return {key: snapshot(value) for key, value in found.items()}
    if not isinstance(found, Model):
        return (type(found), found)
    deferred = found.get_deferred_fields()
    loaded = {
        f.attname: snapshot(getattr(found, f.attname))
        for f in found._meta.concrete_fields
        if f.attname not in deferred
    }
    related = {name: snapshot(value) for name, value in found._state.fields_cache.items()}
    return (type(found), found._state.db, found._state.adding, sorted(deferred), loaded, related)


def same_as_the_orm(read: PreparedRead[Any], **values: Any) -> list[Any]:
    """The prepared read's results, after checking them against the ORM's (in one query)."""
    expected = list(read.queryset(**values))
    with CaptureQueriesContext(connection) as queries:
        found = read(**values)
    assert len(queries) == 1
    assert sorted(map(repr, map(snapshot, found))) == sorted(map(repr, map(snapshot, expected)))
    return found


@pytest.fixture
def course() -> CourseWorld:
    """A course with sessions, measurements, a signed review, a discharge and a diary day
    with a pain medicine: every prepared read of the episode pages has rows."""
    world = discharged_course()
    DiaryEntry.objects.create(
        patient=world.episode.patient,
        session=world.sessions[-1],
        day=world.sessions[-1].date + dt.timedelta(days=1),
        pain=3,
        sleep_hours=Decimal("7.5"),
        sleep_quality=6,
        medicines=[{"name": "oxycodone", "dose_mg": 5, "doses_per_day": 1}],
        created_by=world.practitioner,
    )
    return world


def test_each_read_of_the_episode_pages_gives_what_the_orm_gives(course):
    episode = course.episode
    plan_ids = [course.plan.pk]
    [found] = same_as_the_orm(access._EPISODE, public_id=episode.public_id)
    assert found.patient == episode.patient  # read with the episode: no second query
    plans = same_as_the_orm(treatment_selectors._PLANS_OF_EPISODES, ids=[episode.pk])
    assert plans
    assert all("assessment" in p._state.fields_cache for p in plans)
    sessions = same_as_the_orm(treatment_selectors._SESSION_SUMMARIES, ids=plan_ids)
    assert len(sessions) >= len(course.sessions)
    assert {type(row[1]) for row in sessions} == {uuid.UUID}
    assert {type(row[3]) for row in sessions} == {dt.date}
    assert same_as_the_orm(outcome_selectors._MEASUREMENTS, ids=[episode.pk])
    for read in (outcome_selectors._REVIEWS, outcome_selectors._SIGNED_REVIEWS):
        reviews = same_as_the_orm(read, ids=[episode.pk])
        assert len(reviews) == 1
        assert all(isinstance(r.signed_at, dt.datetime) and r.signed_at.tzinfo for r in reviews)
        assert all(isinstance(r.review_document, dict) for r in reviews)  # JSON decoded
    for discharges in (outcome_selectors._DISCHARGES, outcome_selectors._SIGNED_DISCHARGES):
        assert len(same_as_the_orm(discharges, ids=[episode.pk])) == 1
    same_as_the_orm(outcome_selectors._SCHEDULES, ids=plan_ids)
    [diary] = same_as_the_orm(portal_selectors._DIARY_PAIN_DAYS, ids=plan_ids)
    assert diary[1] == course.sessions[-1].date + dt.timedelta(days=1)
    assert diary[3] == [{"name": "oxycodone", "dose_mg": 5, "doses_per_day": 1}]


def test_the_treatment_pages_reads_give_what_the_orm_gives():
    world = make_course(pains=((7, 5), (6, 4)))
    make_session(world.plan)  # with the factory's adverse event (a minor haematoma)
    [plan] = same_as_the_orm(treatment_selectors._PLANS_OF_EPISODE, pk=world.episode.pk)
    assert {"assessment", "approved_by", "created_by"} <= set(plan._state.fields_cache)
    rows = same_as_the_orm(treatment_selectors._SESSION_TABLE_ROWS, ids=[world.plan.pk])
    expected = list(treatment_selectors._SESSION_TABLE_ROWS.queryset(ids=[world.plan.pk]))
    assert rows == expected  # in the order the table shows, with the counts
    assert [row[2] for row in rows] == [1, 2, 3]
    assert [row[-2] for row in rows] == [0, 0, 1]  # adverse events, counted per session


def test_the_patient_pages_reads_give_what_the_orm_gives(course):
    patient = course.episode.patient
    colleague = make_practitioner()
    share(patient, colleague)
    [found] = same_as_the_orm(access._PATIENT, public_id=patient.public_id)
    assert found.primary_practitioner == course.practitioner
    assert access._PATIENT(public_id=uuid.uuid4()) == []
    [shared] = same_as_the_orm(patient_selectors._SHARES, pk=patient.pk)
    assert shared.practitioner.display_name == colleague.display_name
    assert "password" in shared.practitioner.get_deferred_fields()


def test_the_audit_chains_head_is_read_as_the_orm_reads_it(course):
    from django.db import transaction

    with transaction.atomic():
        [head] = same_as_the_orm(chain._HEAD, pk=chain.HEAD_ID)
    assert head.seq > 0


def test_a_signed_read_loads_the_signers_name_only_and_defers_the_rest(course):
    reviews = outcome_selectors._SIGNED_REVIEWS(ids=[course.episode.pk])
    assert "course_document" in reviews[0].get_deferred_fields()
    signer = reviews[0]._state.fields_cache["signed_by"]
    assert "password" in signer.get_deferred_fields()
    with CaptureQueriesContext(connection) as queries:
        assert reviews[0].course_document  # a deferred field is read when asked for
    assert len(queries) == 1


def test_one_compiled_read_serves_every_value_and_each_list_length():
    practitioner = make_practitioner()
    episodes = [make_episode(make_patient(practitioner)) for _ in range(3)]
    read: PreparedRead[Episode] = PreparedRead(
        lambda ids: Episode.objects.filter(id__in=ids).order_by("id")
    )
    for chosen in ([0], [1], [0, 2], [2, 1, 0], [1, 1]):
        ids = [episodes[i].pk for i in chosen]
        assert [e.pk for e in same_as_the_orm(read, ids=ids)] == sorted(set(ids))
    assert read(ids=[-1]) == []


def test_an_empty_list_matches_nothing_without_a_query():
    read: PreparedRead[Episode] = PreparedRead(lambda ids: Episode.objects.filter(id__in=ids))
    with CaptureQueriesContext(connection) as queries:
        assert read(ids=[]) == []
    assert len(queries) == 0


def test_public_ids_reach_the_sql_in_the_backends_own_form():
    """SQLite stores a UUID as its hex string, PostgreSQL as a uuid: either way the value
    given is sent as the ORM would send it."""
    patient = make_patient(make_practitioner())
    read: PreparedRead[Patient] = PreparedRead(
        lambda public_id: Patient.objects.filter(public_id=public_id)
    )
    [found] = same_as_the_orm(read, public_id=patient.public_id)
    assert found.pk == patient.pk
    assert read(public_id=uuid.uuid4()) == []


def test_values_and_flat_values_lists_are_built_as_django_builds_them():
    practitioner = make_practitioner()
    patient = make_patient(practitioner)
    make_episode(patient, complaint="Neck pain")
    as_dicts: PreparedRead[Any] = PreparedRead(
        lambda pk: Episode.objects.filter(patient_id=pk).values("complaint", "patient__public_id")
    )
    [row] = same_as_the_orm(as_dicts, pk=patient.pk)
    assert row == {"complaint": "Neck pain", "patient__public_id": patient.public_id}
    flat: PreparedRead[str] = PreparedRead(
        lambda pk: Episode.objects.filter(patient_id=pk).values_list("complaint", flat=True)
    )
    assert same_as_the_orm(flat, pk=patient.pk) == ["Neck pain"]


@pytest.mark.parametrize(
    ("value", "named"),
    [
        (True, "bool"),
        (None, "NoneType"),
        ("12", "str"),
        ([1, "2"], "list"),
        ([1, None], "list"),
        ([[1]], "list"),
        (1.5, "float"),
    ],
)
def test_a_value_that_is_not_an_id_is_refused_naming_the_parameter(value, named):
    read: PreparedRead[Episode] = PreparedRead(lambda pk: Episode.objects.filter(pk=pk))
    with pytest.raises(TypeError, match=f"parameter 'pk'.*got {named}"):
        read(pk=value)


def test_a_builder_that_reads_the_clock_is_refused_at_its_first_use():
    read: PreparedRead[TreatmentSession] = PreparedRead(
        lambda pk: TreatmentSession.objects.filter(plan_id=pk, created_at__lt=timezone.now())
    )
    with pytest.raises(TypeError, match="depend on its parameters only"):
        read(pk=1)


def test_a_value_the_builder_changes_before_the_sql_is_refused():
    read: PreparedRead[TreatmentSession] = PreparedRead(
        lambda pk: TreatmentSession.objects.filter(plan_id=pk + 1)
    )
    with pytest.raises(TypeError, match="pk do not reach the SQL"):
        read(pk=1)


def test_an_int_parameter_on_a_small_number_column_is_refused():
    """Django drops a condition whose value is out of its column's range: the marker of
    an id would, so such a read cannot be prepared."""
    read: PreparedRead[TreatmentSession] = PreparedRead(
        lambda number: TreatmentSession.objects.filter(number=number)
    )
    with pytest.raises(TypeError, match="must filter id columns"):
        read(number=1)


def test_a_prefetch_cannot_be_prepared():
    read: PreparedRead[TreatmentSession] = PreparedRead(
        lambda pk: TreatmentSession.objects.filter(plan_id=pk).prefetch_related("adverse_events")
    )
    with pytest.raises(TypeError, match="cannot prefetch"):
        read(pk=1)


def test_one_gives_the_row_none_or_refuses_more_than_one():
    from django.core.exceptions import MultipleObjectsReturned

    patient = make_patient(make_practitioner())
    first = make_episode(patient)
    by_key: PreparedRead[Episode] = PreparedRead(
        lambda public_id: Episode.objects.filter(public_id=public_id)
    )
    found = by_key.one(public_id=first.public_id)
    assert found is not None
    assert found.pk == first.pk
    assert by_key.one(public_id=uuid.uuid4()) is None
    make_episode(patient)
    by_patient: PreparedRead[Episode] = PreparedRead(
        lambda pk: Episode.objects.filter(patient_id=pk)
    )
    with pytest.raises(MultipleObjectsReturned, match="gave 2 rows"):
        by_patient.one(pk=patient.pk)

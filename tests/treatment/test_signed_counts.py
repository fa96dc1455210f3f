"""The signed-session count each episode carries for the clinic dashboard
(`Episode.signed_sessions`, acucare.treatment.counts): signing keeps it, an amendment or a
refused signature leaves it, and a bulk write is recounted."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from acucare.domain.errors import InputError
from acucare.patients.models import Episode
from acucare.treatment import services
from acucare.treatment.counts import recount_signed_sessions
from acucare.treatment.models import SessionStatus, TreatmentSession
from tests.factories import actor
from tests.treatment.factories import episode_with_assessment, make_plan, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    episode, _ = episode_with_assessment()
    return make_plan(episode, approve=True)


def carried(plan) -> int:
    return Episode.objects.get(pk=plan.episode_id).signed_sessions


def test_signing_counts_a_session_and_a_draft_or_an_amendment_does_not(plan):
    who = actor(plan.episode.patient.primary_practitioner)
    first, second = make_session(plan), make_session(plan)
    assert carried(plan) == 0
    services.session_sign(actor=who, session_id=first.public_id, version=1)
    assert carried(plan) == 1
    services.session_amend(actor=who, session_id=first.public_id, reason="Late", text="Bruise.")
    with pytest.raises(InputError):
        services.session_sign(actor=who, session_id=first.public_id, version=2)
    assert carried(plan) == 1
    services.session_sign(actor=who, session_id=second.public_id, version=1)
    assert carried(plan) == 2


def test_a_refused_signature_is_not_counted(plan):
    session = make_session(plan, needles_in=8, needles_out=7)
    who = actor(plan.episode.patient.primary_practitioner)
    with pytest.raises(InputError):
        services.session_sign(actor=who, session_id=session.public_id, version=1)
    assert carried(plan) == 0


def test_a_bulk_write_is_recounted_and_the_migration_counts_what_was_signed(plan):
    make_session(plan), make_session(plan), make_session(plan)
    TreatmentSession.objects.filter(plan=plan).update(status=SessionStatus.SIGNED)
    assert carried(plan) == 0  # a bulk write does not keep the count ...
    assert recount_signed_sessions([plan.episode_id]) == 1
    assert carried(plan) == 3  # ... the recount does
    Episode.objects.update(signed_sessions=0)
    migration = importlib.import_module("acucare.patients.migrations.0003_episode_signed_sessions")
    migration.backfill(apps, None)
    assert carried(plan) == 3

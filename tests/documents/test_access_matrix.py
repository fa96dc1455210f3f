"""Every role × every document page → the expected status, as in the project's access
matrix (tests/patients/test_access_matrix.py): a stranger gets 404 (existence is not
revealed), reception and the admin 403, anonymous the sign-in page; a refused request
stores nothing and hands out nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client

from acucare.documents import services
from acucare.documents.jobs import enqueue_signing
from acucare.documents.models import Document
from tests.documents.factories import referred_episode, run_signing
from tests.factories import actor, make_admin, make_practitioner, make_reception, share, signed_in

pytestmark = pytest.mark.django_db

ACTORS = ("anonymous", "admin", "owner", "shared", "stranger", "reception")
CLINICAL = {"admin": 403, "owner": "ok", "shared": "ok", "stranger": 404, "reception": 403}
PAGE = "page"  # the row kind of tests/patients/test_access_matrix.py


def _row(method: str, path: str, body: dict[str, Any] | None) -> tuple[Any, ...]:
    return (PAGE, method, path, body, CLINICAL)


# (kind, method, path, body, expected by actor): the shape of the project's matrix, so
# that tests/test_access_matrix_complete.py finds every document route here.
DOCUMENTS_MATRIX = [
    _row("get", "/documents/episodes/{episode}/referral-letter/", None),
    _row("post", "/documents/episodes/{episode}/referral-letter/", {"versions": "1"}),
    _row("get", "/documents/{document}/download/", None),
    _row("get", "/documents/signing/{signing}/", None),
]


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize(
    ("kind", "method", "path", "body", "expected_by"),
    DOCUMENTS_MATRIX,
    ids=[f"{m}-{p}" for _k, m, p, _b, _e in DOCUMENTS_MATRIX],
)
def test_documents_access(who, kind, method, path, body, expected_by):
    episode = referred_episode()
    owner = episode.patient.primary_practitioner
    users = {
        "admin": make_admin(),
        "owner": owner,
        "shared": make_practitioner(),
        "stranger": make_practitioner(),
        "reception": make_reception(),
    }
    share(episode.patient, users["shared"])
    first = services.document_sign(
        actor=actor(owner), episode_id=episode.public_id, kind="referral_letter"
    )
    queued = enqueue_signing(
        actor=actor(owner),
        episode_id=episode.public_id,
        kind="referral_letter",
        subject_id=first.subject_id,
        versions=1,
    )
    client = Client() if who == "anonymous" else signed_in(users[who])
    url = path.format(episode=episode.public_id, document=first.public_id, signing=queued.public_id)
    response = getattr(client, method)(url, body) if body else getattr(client, method)(url)
    expected = expected_by.get(who, "login")
    stored = Document.objects.count()
    if expected == "ok":
        assert response.status_code in {200, 302}, response.content.decode()[:1500]
        if method == "post":
            run_signing(response)
            assert Document.objects.count() == 2
        if "download" in path:
            assert response["Content-Type"] == "application/pdf"
    elif expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith("/sign-in/")
        assert stored == 1
    else:
        assert response.status_code == expected
        assert stored == 1
        assert not response.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    "path",
    [
        "/documents/episodes/{id}/referral-letter/",
        "/documents/{id}/download/",
        "/documents/signing/{id}/",
    ],
)
def test_an_unknown_id_is_404(path):
    response = signed_in(make_practitioner()).get(path.format(id=uuid.uuid4()))
    assert response.status_code == 404


def test_an_unknown_kind_of_document_is_404():
    episode = referred_episode()
    client = signed_in(episode.patient.primary_practitioner)
    assert client.get(f"/documents/episodes/{episode.public_id}/postcard/").status_code == 404

"""The signed-session count each episode carries (`Episode.signed_sessions`).

The clinic dashboard's data-quality and safety panels count courses by how many signed
sessions they have; reading one column of the episodes is far cheaper than grouping every
session (docs/analytics.md). A signed session is never changed or removed (an amendment
adds to it), so the count changes only when a session is signed: `session_sign` recounts
its episode, and anything that writes signed sessions in bulk (the demo clinic, the
benchmark, the migration that added the column) calls `recount_signed_sessions` after."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from acucare.patients.models import Episode
from acucare.treatment.models import SessionStatus, TreatmentSession


def signed_sessions_of() -> Coalesce:
    """The number of signed sessions of the episode in the outer query (0 when none)."""
    counted = (
        TreatmentSession.objects.filter(plan__episode=OuterRef("pk"), status=SessionStatus.SIGNED)
        .order_by()
        .values("plan__episode")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def recount_signed_sessions(episode_ids: Iterable[int] | None = None) -> int:
    """Set each episode's signed-session count from its sessions: the episodes given, or
    every episode when None. Returns the number of episodes written."""
    episodes = Episode.objects.all()
    if episode_ids is not None:
        episodes = episodes.filter(pk__in=list(episode_ids))
    return episodes.update(signed_sessions=signed_sessions_of())


__all__ = ["recount_signed_sessions", "signed_sessions_of"]

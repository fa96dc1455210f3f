"""The audit log as a hash chain: each event carries the hash of the event before it.

Every event gets a sequence number (1, 2, 3, … with no gaps), the previous event's hash,
and its own hash: SHA-256 over the previous hash and a canonical JSON rendering of the
event's content. Changing any stored field of a row, removing a row or slipping one in
breaks the chain at that row, which `audit_verify` finds and names.

Appends are serialised: the one-row `AuditChainHead` (the last sequence number and hash)
is read FOR UPDATE, which holds PostgreSQL's row lock (on SQLite, the write lock every
transaction here begins with) until the surrounding transaction commits, so two requests
can never chain onto the same predecessor; a trigger moves the head on each insert. The
head also lets verification notice rows removed from the end.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from acucare.core.prepared import PreparedRead

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from acucare.audit.models import AuditChainHead, AuditEvent

GENESIS = "0" * 64
HEAD_ID = 1


def _canonical_json(value: Any) -> Any:
    """JSON-native values, with whole floats as integers (PostgreSQL's jsonb may give
    back 100 for 1e2), so a row hashes the same before and after a round trip."""
    if isinstance(value, dict):
        return {str(k): _canonical_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical_json(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _text(value: object) -> str | None:
    return None if value is None or value == "" else str(value)


def _uuid(value: object) -> str | None:
    return None if value is None else str(uuid.UUID(str(value)))


def _ip(value: object) -> str | None:
    return None if value in (None, "") else str(ipaddress.ip_address(str(value)))


def _moment(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def event_content(event: AuditEvent) -> str:
    """The canonical text of everything an event records, in a fixed order."""
    fields = [
        event.seq,
        _uuid(event.public_id),
        _moment(event.at),
        event.actor_id,
        event.actor_username,
        event.action,
        event.object_type,
        _uuid(event.object_id),
        _uuid(event.patient_id),
        _ip(event.ip_address),
        event.user_agent,
        event.channel,
        _canonical_json(event.detail),
    ]
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(prev_hash: str, event: AuditEvent) -> str:
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(event_content(event).encode("utf-8"))
    return digest.hexdigest()


def chain_event(event: AuditEvent) -> None:
    """Give `event` (not yet saved) its place in the chain. Must run inside the
    transaction that inserts it: the head stays locked until the insert commits, and a
    database trigger (audit migration 0005) moves the head to the inserted event."""
    event.detail = _canonical_json(json.loads(json.dumps(event.detail or {})))
    # FOR UPDATE: PostgreSQL locks the head row (a second appender waits, then reads the
    # head as the first left it). SQLite transactions here begin IMMEDIATE, holding the
    # database's write lock already.
    head = _HEAD.one(pk=HEAD_ID)
    if head is None:
        head = _new_head()
    event.seq = head.seq + 1
    event.prev_hash = head.row_hash
    event.row_hash = event_hash(event.prev_hash, event)


def _head_rows(pk: int) -> QuerySet[AuditChainHead]:
    from acucare.audit.models import AuditChainHead

    return AuditChainHead.objects.select_for_update().filter(pk=pk)[:1]


# Read on every append, so on every audited page: compiled once (`acucare.core.prepared`).
_HEAD: PreparedRead[AuditChainHead] = PreparedRead(_head_rows)


def _new_head() -> AuditChainHead:
    """A fresh database (or one the test suite emptied): a head at the newest event."""
    from acucare.audit.models import AuditChainHead, AuditEvent

    last = AuditEvent.objects.exclude(seq=None).order_by("-seq").first()
    seq = last.seq if last is not None and last.seq is not None else 0
    try:
        with transaction.atomic():
            AuditChainHead.objects.create(
                pk=HEAD_ID, seq=seq, row_hash=last.row_hash if last is not None else GENESIS
            )
    except IntegrityError:
        pass  # another appender created it first; lock it as usual
    return AuditChainHead.objects.select_for_update().get(pk=HEAD_ID)


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    message: str
    first_bad_seq: int | None = None
    first_bad_id: str | None = None
    head_seq: int = 0
    head_hash: str = GENESIS


def _rows() -> Iterator[AuditEvent]:
    from acucare.audit.models import AuditEvent

    yield from AuditEvent.objects.order_by("seq", "id").iterator(chunk_size=2000)


def _broken(checked: int, event: AuditEvent, message: str) -> Verdict:
    return Verdict(
        ok=False,
        checked=checked,
        message=message,
        first_bad_seq=event.seq,
        first_bad_id=str(event.public_id),
    )


def _check_row(event: AuditEvent, expected_seq: int, prev_hash: str) -> str | None:
    """What is wrong with this row given the one before it, or None."""
    if event.seq is None:
        return (
            f"Event {event.public_id} is not in the chain: it was inserted outside the application."
        )
    if event.seq > expected_seq:
        first = expected_seq if event.seq == expected_seq + 1 else f"{expected_seq}–{event.seq - 1}"
        return f"Event {event.seq} follows event {expected_seq - 1}: event {first} was removed."
    if event.seq < expected_seq:
        return f"Event {event.seq} appears twice: a row was inserted."
    if event.row_hash != event_hash(event.prev_hash, event):
        return f"Event {event.seq} was altered: its content no longer matches its hash."
    if event.prev_hash != prev_hash:
        return (
            f"Event {event.seq} does not follow event {expected_seq - 1}: "
            "a row was inserted, replaced or removed before it."
        )
    return None


def verify_chain(*, anchor: tuple[int, str] | None = None) -> Verdict:
    """Walk the whole log in sequence order. `anchor` (a sequence number and the hash a
    previous verification saw there) also catches a chain rebuilt after that point."""
    from acucare.audit.models import AuditChainHead

    prev_hash = GENESIS
    expected = 1
    checked = 0
    for event in _rows():
        problem = _check_row(event, expected, prev_hash)
        if problem is not None:
            return _broken(checked, event, problem)
        if anchor is not None and event.seq == anchor[0] and event.row_hash != anchor[1]:
            return _broken(
                checked,
                event,
                f"Event {event.seq} differs from the one verified before: the log was rewritten.",
            )
        prev_hash = event.row_hash
        expected += 1
        checked += 1
    last_seq = expected - 1
    head = AuditChainHead.objects.filter(pk=HEAD_ID).first()
    if head is not None and head.seq > last_seq:
        return Verdict(
            ok=False,
            checked=checked,
            message=f"The log ends at event {last_seq} but reached {head.seq}: the newest "
            f"{head.seq - last_seq} event(s) were removed.",
            first_bad_seq=last_seq + 1,
            head_seq=last_seq,
            head_hash=prev_hash,
        )
    if anchor is not None and anchor[0] > last_seq:
        return Verdict(
            ok=False,
            checked=checked,
            message=f"Event {anchor[0]} was verified before but the log now ends at "
            f"event {last_seq}: events were removed.",
            first_bad_seq=last_seq + 1,
            head_seq=last_seq,
            head_hash=prev_hash,
        )
    return Verdict(
        ok=True,
        checked=checked,
        message=f"The chain of {checked} event(s) is unbroken.",
        head_seq=last_seq,
        head_hash=prev_hash,
    )

"""config/sqlite_queue: SQLite's write transactions wait their turn on a file lock."""

from __future__ import annotations

import fcntl
import os
import signal
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from django.db.utils import ConnectionHandler

from config.database import database_from_url
from config.sqlite_queue.base import DatabaseWrapper

ALIAS = "default"  # of a ConnectionHandler of its own, not the suite's


@pytest.fixture
def handler(tmp_path: Path, django_db_blocker: Any) -> Iterator[ConnectionHandler]:
    """A file database of its own (the suite's is in memory, which has no queue), with
    a busy timeout far shorter than the waits below."""
    settings = database_from_url(f"sqlite:///{tmp_path}/clinic.sqlite3", str(tmp_path))
    settings["OPTIONS"]["timeout"] = 0.2
    connections = ConnectionHandler({ALIAS: settings})
    with django_db_blocker.unblock():
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT)")
        yield connections
        connections.close_all()


def queued(connections: ConnectionHandler) -> DatabaseWrapper:
    return cast(DatabaseWrapper, connections[ALIAS])


def write(connection: Any, text: str, *, hold: float = 0.0, fail: bool = False) -> None:
    """One write transaction, entered and left as `transaction.atomic` does on SQLite."""
    connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    try:
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO note (text) VALUES (%s)", [text])
        time.sleep(hold)
        if fail:
            raise RuntimeError("the service refused")
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    finally:
        connection.set_autocommit(True)


def queue_is_free(connection: Any) -> bool:
    descriptor = os.open(connection.writers_lock_path(), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        return True
    finally:
        os.close(descriptor)


def test_a_writer_waits_its_turn_however_long_the_one_before_takes(
    handler: ConnectionHandler, django_db_blocker: Any
) -> None:
    """With Django's own backend the second writer gives up after the busy timeout
    (0.2 s here) with "database is locked"; queued, it writes when the first commits."""
    first_in = threading.Event()
    errors: list[BaseException] = []

    def slow_writer() -> None:
        with django_db_blocker.unblock():
            try:
                connection = queued(handler)
                connection.set_autocommit(
                    False, force_begin_transaction_with_broken_autocommit=True
                )
                with connection.cursor() as cursor:
                    cursor.execute("INSERT INTO note (text) VALUES ('first')")
                first_in.set()
                time.sleep(0.8)
                connection.commit()
                connection.set_autocommit(True)
            except BaseException as error:  # reported to the test below
                errors.append(error)
                first_in.set()
            finally:
                handler[ALIAS].close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert first_in.wait(10)
    started = time.monotonic()
    write(handler[ALIAS], "second")
    waited = time.monotonic() - started
    thread.join(10)
    assert not errors
    assert waited >= 0.4  # it waited for the first writer, well past the busy timeout
    with handler[ALIAS].cursor() as cursor:
        cursor.execute("SELECT text FROM note ORDER BY id")
        assert [row[0] for row in cursor.fetchall()] == ["first", "second"]


def test_the_queue_is_held_for_the_transaction_and_left_on_commit_rollback_and_close(
    handler: ConnectionHandler,
) -> None:
    connection = queued(handler)
    write(connection, "kept")
    assert queue_is_free(connection)
    with pytest.raises(RuntimeError):
        write(connection, "refused", fail=True)
    assert queue_is_free(connection)

    connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO note (text) VALUES ('left open')")
    assert not queue_is_free(connection)
    connection.close()
    assert queue_is_free(connection)

    with handler[ALIAS].cursor() as cursor:
        cursor.execute("SELECT text FROM note ORDER BY id")
        assert [row[0] for row in cursor.fetchall()] == ["kept"]


def test_readers_do_not_queue(handler: ConnectionHandler) -> None:
    connection = queued(handler)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM note")
    assert connection._queue_file is None
    assert queue_is_free(connection)


def test_the_lock_file_is_the_owners_only(handler: ConnectionHandler) -> None:
    connection = queued(handler)
    write(connection, "a note")
    mode = stat.S_IMODE(os.stat(connection.writers_lock_path()).st_mode)
    assert mode & 0o077 == 0


def test_a_forked_process_waits_for_its_parents_write(handler: ConnectionHandler) -> None:
    """A lock descriptor inherited through fork shares the parent's lock: the child
    must open its own, and so wait while the parent writes."""
    connection = queued(handler)
    write(connection, "opens the descriptor")
    connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO note (text) VALUES ('parent writing')")
    child = os.fork()
    if child == 0:  # pragma: no cover (the child process; its exit code is the result)
        code = 3
        try:
            signal.signal(signal.SIGALRM, _give_up)
            signal.alarm(1)
            connection._join_queue()
            code = 1  # it got in while the parent held the queue
        except _WaitedError:
            code = 0  # it waited, as it should
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    connection.rollback()
    connection.set_autocommit(True)
    assert os.waitstatus_to_exitcode(status) == 0


class _WaitedError(Exception):
    pass


def _give_up(signum: int, frame: object) -> None:
    raise _WaitedError


def test_an_in_memory_database_has_no_queue(django_db_blocker: Any) -> None:
    """One connection, nothing to queue: Django's own engine, which pytest-django also
    recognises to keep each parallel worker's test database in memory."""
    settings = database_from_url("sqlite:///:memory:", "/x")
    assert settings["ENGINE"] == "django.db.backends.sqlite3"
    # The queue's engine, given a database in memory all the same, queues nothing.
    connections = ConnectionHandler({ALIAS: {**settings, "ENGINE": "config.sqlite_queue"}})
    with django_db_blocker.unblock():
        connection = queued(connections)
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE note (text TEXT)")
        write(connection, "in memory")
        assert connection._queue_file is None
        connections.close_all()

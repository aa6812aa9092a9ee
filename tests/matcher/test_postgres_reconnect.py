"""The matcher outlives its PostgreSQL server: a restart costs requests, never a wrong answer.

This module runs its own server (the ``postgres`` fixture below overrides
the session one) because it kills it; the seeded population and per-test
databases come from ``test_postgres``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest
import test_postgres
from matcher_fixtures import NOW, Seeded, make_crossing, make_request
from test_postgres import NewDatabase

from openabc.matcher.db import DatabaseUnavailable, open_database
from openabc.matcher.db_postgres import RECONNECT_WINDOW_S
from openabc.messages import Decision, Reason
from openabc.mqtt.broker import free_port
from openabc.runtime.postgres import PostgresNotFoundError, PostgresServer

# The PostgreSQL fixtures of test_postgres, served in this module too.
pg_seeded = test_postgres.pg_seeded
new_database = test_postgres.new_database
seeded = test_postgres.seeded

ACQUIRE_TIMEOUT_S = 2.0
"""``db.DEFAULT_ACQUIRE_TIMEOUT_S``, what a request waits while the server is away."""
SLACK_S = 1.5


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    """A server of this module's own, free to kill and restart."""
    try:
        server = PostgresServer()
    except PostgresNotFoundError as err:
        pytest.skip(f"PostgreSQL server not installed: {err}")
    with server:
        yield server


@pytest.fixture()
def restart(postgres: PostgresServer) -> Iterator[PostgresServer]:
    """Whatever a test does, the server is up again for the next one."""
    yield postgres
    try:
        with psycopg.connect(postgres.dsn, connect_timeout=1):
            pass
    except psycopg.OperationalError:
        postgres.start()


def _timed_match(seeded: Seeded) -> tuple[float, Decision, tuple[Reason, ...]]:
    t = seeded.population.by_archetype("eligible")
    started = time.monotonic()
    response = seeded.service.handle_match(
        make_request(t.document, t.live_image, t.portrait_image), NOW
    )
    return time.monotonic() - started, response.decision, response.reasons


def test_server_killed_between_requests_refers_then_recovers(
    seeded: Seeded, restart: PostgresServer
) -> None:
    assert _timed_match(seeded)[1:] == (Decision.ACCEPT, ())
    restart.kill()
    took, decision, reasons = _timed_match(seeded)
    assert (decision, reasons) == (Decision.REFER, (Reason.SYSTEM_UNAVAILABLE,))
    assert took < ACQUIRE_TIMEOUT_S + SLACK_S
    restart.start()
    took, decision, reasons = _timed_match(seeded)
    assert (decision, reasons) == (Decision.ACCEPT, ())
    assert took < RECONNECT_WINDOW_S + SLACK_S, f"first request after restart took {took:.2f} s"
    assert _timed_match(seeded)[1:] == (Decision.ACCEPT, ())


def test_long_outage_still_recovers_within_a_second_or_so(
    seeded: Seeded, restart: PostgresServer
) -> None:
    """The pool gives up its background attempts; the next request starts a fresh one."""
    restart.kill()
    for _ in range(2):
        assert _timed_match(seeded)[1] is Decision.REFER
    time.sleep(RECONNECT_WINDOW_S + 0.5)
    restart.start()
    took, decision, _ = _timed_match(seeded)
    assert decision is Decision.ACCEPT
    assert took < RECONNECT_WINDOW_S + SLACK_S


def test_crossing_recorded_exactly_once_across_a_restart(
    seeded: Seeded, restart: PostgresServer
) -> None:
    t = seeded.population.by_archetype("eligible")
    response = seeded.service.handle_match(
        make_request(t.document, t.live_image, t.portrait_image), NOW
    )
    assert response.decision is Decision.ACCEPT
    report = make_crossing(response.transaction_id)
    restart.kill()
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable):  # the adapter answers an error; the kiosk resends
        seeded.service.handle_crossing(report)
    assert time.monotonic() - started < ACQUIRE_TIMEOUT_S + SLACK_S
    restart.start()
    first, resent = (seeded.service.handle_crossing(report) for _ in range(2))
    assert (first.recorded, first.duplicate) == (True, False)
    assert (resent.recorded, resent.duplicate) == (True, True)
    assert seeded.store.query(
        "SELECT COUNT(*) FROM ees_movements WHERE transaction_id=?", (response.transaction_id,)
    ) == [(1,)]


def test_connection_lost_inside_a_transaction_commits_nothing(
    new_database: NewDatabase, postgres: PostgresServer
) -> None:
    db = open_database(new_database(), pool_size=2)
    db.create_schema("CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY)")
    with pytest.raises(DatabaseUnavailable), db.transaction() as tx:
        tx.execute("INSERT INTO t VALUES ('lost')")
        (pid,) = tx.execute("SELECT pg_backend_pid()").fetchone()
        with psycopg.connect(postgres.dsn, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        tx.execute("INSERT INTO t VALUES ('after')")
    with db.transaction() as tx:
        tx.execute("INSERT INTO t VALUES ('kept')")
    assert db.execute("SELECT k FROM t ORDER BY k").fetchall() == [("kept",)]
    db.close()


def test_unreachable_server_at_startup_is_a_clear_error() -> None:
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable, match="cannot connect to postgresql://"):
        open_database(f"host=127.0.0.1 port={free_port()} dbname=x user=x connect_timeout=2")
    assert time.monotonic() - started < 3

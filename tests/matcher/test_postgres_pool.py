"""Several threads of one worker on one store: the pool lends each its own connection.

The same thread-safety contract is checked on SQLite, whose single
connection serialises the threads instead.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import test_postgres
from matcher_fixtures import NOW, Seeded, make_request
from test_postgres import NewDatabase

from openabc.matcher.audit import AuditEntry, AuditLog
from openabc.matcher.db import Database, open_database
from openabc.matcher.store import MatcherStore
from openabc.messages import Decision

# The PostgreSQL fixtures of test_postgres, served in this module too.
pg_seeded = test_postgres.pg_seeded
new_database = test_postgres.new_database
seeded = test_postgres.seeded

THREADS = 8
POOL = 4


@pytest.fixture(params=["sqlite", "postgres"])
def database(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], Database]]:
    """Opens databases on one target of either engine; closes them afterwards."""
    if request.param == "sqlite":
        target: Path | str = tmp_path / "pool.sqlite3"
    else:
        target = request.getfixturevalue("new_database")()
    opened: list[Database] = []

    def open_one() -> Database:
        opened.append(open_database(target, pool_size=POOL))
        return opened[-1]

    yield open_one
    for db in opened:
        db.close()


def test_threads_share_one_database_without_losing_a_write(
    database: Callable[[], Database],
) -> None:
    """Read-the-last-then-append from 8 threads: the lock keeps the sequence gapless."""
    db = database()
    db.create_schema("CREATE TABLE IF NOT EXISTS seq (n INTEGER PRIMARY KEY, who TEXT NOT NULL)")
    start = threading.Barrier(THREADS)

    def work(who: int) -> None:
        start.wait()
        for _ in range(25):
            with db.transaction() as tx:
                (last,) = tx.execute("SELECT COALESCE(MAX(n), 0) FROM seq").fetchone()
                tx.execute("INSERT INTO seq VALUES (?, ?)", (int(last) + 1, f"w{who}"))
            assert db.execute("SELECT COUNT(*) FROM seq").fetchone()[0] >= 1

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(work, range(THREADS)))
    rows = db.execute("SELECT n FROM seq ORDER BY n").fetchall()
    assert [r[0] for r in rows] == list(range(1, 25 * THREADS + 1))


def test_pool_runs_reads_side_by_side(new_database: NewDatabase) -> None:
    db = open_database(new_database(), pool_size=POOL)
    start = time.monotonic()
    with ThreadPoolExecutor(POOL) as pool:
        list(pool.map(lambda _: db.execute("SELECT pg_sleep(0.3)").fetchall(), range(POOL)))
    assert time.monotonic() - start < 0.3 * 2, "one connection would take 1.2 s"
    db.close()


def test_one_store_many_threads_one_audit_chain(new_database: NewDatabase) -> None:
    store = MatcherStore(new_database())
    audit = AuditLog(store)

    def work(n: int) -> None:
        for i in range(10):
            audit.append([AuditEntry(1.0, f"r{n}-{i}", "k", "sis", "p", "no_hit")])
            assert store.query("SELECT COUNT(*) FROM audit")[0][0] >= 1

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(work, range(THREADS)))
    assert audit.verify()
    assert store.query("SELECT COUNT(*) FROM audit") == [(10 * THREADS,)]
    store.close()


def test_concurrent_match_requests_all_decided(seeded: Seeded) -> None:
    travellers = [seeded.population.by_archetype("eligible")] * THREADS

    def match(n: int) -> Decision:
        t = travellers[n]
        return seeded.service.handle_match(
            make_request(t.document, t.live_image, t.portrait_image), NOW
        ).decision

    with ThreadPoolExecutor(THREADS) as pool:
        decisions = list(pool.map(match, range(THREADS)))
    assert decisions == [Decision.ACCEPT] * THREADS
    assert seeded.store.query("SELECT COUNT(*) FROM transactions") == [(THREADS,)]

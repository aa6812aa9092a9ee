"""The matcher on PostgreSQL: the SQLite suite's service tests rerun on a real server.

The ``seeded`` fixture below overrides the SQLite one for this module, so the
test functions imported from the SQLite modules run here unchanged against
PostgreSQL. The population is seeded once into a template database; every
test gets its own copy (``CREATE DATABASE ... TEMPLATE``), which is much
faster than reseeding.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import psycopg
import pytest
from matcher_fixtures import NOW, TEMPLATE_MODEL, TODAY, Seeded, make_crossing, make_request
from psycopg import sql
from psycopg.conninfo import make_conninfo
from pydantic import ValidationError
from test_ees_records import (  # noqa: F401 - rerun on PostgreSQL
    _file,
    _persons,
    test_exit_after_an_overstay_is_referred_for_the_guard,
    test_exit_is_checked_and_recorded_as_an_exit,
    test_refusal_of_entry_is_recorded_with_its_reasons,
)
from test_matcher_api import (  # noqa: F401 - rerun on PostgreSQL
    client,
    test_guard_records_a_refusal_of_entry,
    test_kiosk_search_is_hit_no_hit_over_its_systems,
    test_mid_links_listed_and_resolved,
    test_second_step_gives_one_full_record_and_is_logged,
    test_second_step_without_justification_is_refused,
)
from test_matcher_audit import (  # noqa: F401 - rerun on PostgreSQL
    test_audit_holds_no_personal_data,
    test_chain_verifies,
    test_deleted_row_is_detected,
    test_every_consulted_system_is_audited,
    test_rehashed_row_still_breaks_the_next_link,
    test_tampered_row_is_detected,
)
from test_matcher_service import (  # noqa: F401 - rerun on PostgreSQL
    test_archetype_gets_expected_answer,
    test_crossing_recorded_once_and_counted_next_time,
    test_crossing_refused_for_refer_unknown_or_other_kiosk,
    test_eligible_checks_and_stay,
    test_enrolled_face_with_another_identity_is_a_yellow_link,
    test_exit_direction_is_checked_too,
    test_expired_document_is_referred,
    test_newcomer_is_enrolled_on_crossing,
    test_not_crossed_closes_without_ees_entry,
    test_store_level_movement_is_unique_per_transaction,
    test_template_from_another_model_is_referred,
)
from test_vis_mid import (  # noqa: F401 - rerun on PostgreSQL
    test_an_entry_uses_one_visa_entry,
    test_guard_verification_resolves_yellow,
    test_multiple_entry_visa_never_runs_out,
    test_same_face_other_identity_gives_one_yellow_link,
    test_same_identity_on_a_new_document_gives_a_white_link,
    test_visa_problems_are_referred,
)
from test_workers_idempotency import Clock

from openabc.config import MatcherSettings, OpenAbcSettings
from openabc.matcher.app import build_service
from openabc.matcher.audit import AuditEntry, AuditLog
from openabc.matcher.db import Dialect, is_postgres, to_pyformat
from openabc.matcher.idempotency import Outcome, ReplyTable
from openabc.matcher.retention import purge_expired
from openabc.matcher.store import MatcherStore
from openabc.messages import Decision, Direction
from openabc.runtime.postgres import PostgresServer
from openabc.seeding.cli import run_seed
from openabc.seeding.fakes import fake_template_for_image
from openabc.seeding.models import SeedSummary, load_population

SEEDED_TEMPLATE = "openabc_seeded"

NewDatabase = Callable[..., str]


def _admin(server: PostgresServer, sql_text: sql.Composed) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        conn.execute(sql_text)


def _settings(seeds: Path, url: str) -> OpenAbcSettings:
    return OpenAbcSettings(
        seeds_dir=seeds, matcher=MatcherSettings(database=seeds / "unused", database_url=url)
    )


@pytest.fixture(scope="module")
def pg_seeded(
    postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, SeedSummary]]:
    """The seeded population in a template database (seeded once per module)."""
    seeds = tmp_path_factory.mktemp("pg-seeds")
    _admin(postgres, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(SEEDED_TEMPLATE)))
    url = make_conninfo(postgres.dsn, dbname=SEEDED_TEMPLATE)
    summary = run_seed(
        _settings(seeds, url),
        template_for_image=fake_template_for_image,
        filler=200,
        seed=7,
        today=TODAY,
    )
    yield seeds, summary
    _admin(
        postgres,
        sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(SEEDED_TEMPLATE)),
    )


@pytest.fixture()
def new_database(postgres: PostgresServer) -> Iterator[NewDatabase]:
    """Creates fresh databases (empty, or copies of a template); drops them afterwards."""
    created: list[str] = []

    def create(template: str | None = None) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template is not None:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        _admin(postgres, statement)
        created.append(name)
        return make_conninfo(postgres.dsn, dbname=name)

    yield create
    for name in created:
        _admin(postgres, sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture()
def seeded(pg_seeded: tuple[Path, SeedSummary], new_database: NewDatabase) -> Iterator[Seeded]:
    """Overrides the SQLite ``seeded``: a private copy of the PostgreSQL-seeded registers."""
    seeds, _ = pg_seeded
    settings = _settings(seeds, new_database(SEEDED_TEMPLATE))
    store = MatcherStore(settings.matcher.store)
    assert store.conn.dialect is Dialect.POSTGRES
    service = build_service(settings, store, TEMPLATE_MODEL)
    yield Seeded(settings, store, service, load_population(seeds / "population.json"))
    store.close()


def test_placeholders_and_targets() -> None:
    assert to_pyformat("SELECT '?', \"%x\" FROM t WHERE a=? AND b LIKE 'x%'") == (
        "SELECT '?', \"%%x\" FROM t WHERE a=%s AND b LIKE 'x%%'"
    )
    assert is_postgres("postgresql://u@h/db") and is_postgres("host=h dbname=d")
    assert not is_postgres(Path("var/m.sqlite3")) and not is_postgres(":memory:")


def test_same_seed_same_content_hash_on_both_engines(
    pg_seeded: tuple[Path, SeedSummary], tmp_path: Path
) -> None:
    settings = OpenAbcSettings(
        seeds_dir=tmp_path / "seeds", matcher=MatcherSettings(database=tmp_path / "m.sqlite3")
    )
    on_sqlite = run_seed(
        settings, template_for_image=fake_template_for_image, filler=200, seed=7, today=TODAY
    )
    assert on_sqlite.content_hash == pg_seeded[1].content_hash
    assert "password" not in str(pg_seeded[1].database)


def test_reseeding_postgres_starts_clean(
    pg_seeded: tuple[Path, SeedSummary], new_database: NewDatabase
) -> None:
    settings = _settings(pg_seeded[0], new_database(SEEDED_TEMPLATE))
    with closing(MatcherStore(settings.matcher.store)) as store:
        AuditLog(store).append([AuditEntry(1.0, "r", "k", "sis", "p", "no_hit")])
    again = run_seed(
        settings, template_for_image=fake_template_for_image, filler=200, seed=7, today=TODAY
    )
    assert again.content_hash == pg_seeded[1].content_hash


def test_retention_purge_on_postgres(new_database: NewDatabase) -> None:
    store = MatcherStore(new_database())
    exit_day = dt.date(2023, 3, 10)
    _file(store, "p-exit", [(Direction.ENTRY, dt.date(2023, 3, 5)), (Direction.EXIT, exit_day)])
    _file(store, "p-open", [(Direction.ENTRY, dt.date(2021, 7, 1))])
    assert purge_expired(store, dt.date(2026, 3, 10)).files == 0
    summary = purge_expired(store, dt.date(2026, 3, 11))
    assert (summary.files, summary.movements, summary.templates) == (1, 2, 1)
    assert _persons(store) == {"p-open"}
    assert AuditLog(store).verify()
    store.close()


def test_reply_claims_on_postgres(new_database: NewDatabase) -> None:
    url, clock = new_database(), Clock()
    w1 = ReplyTable(url, "w1", lease_s=1.0, clock=clock)
    w2 = ReplyTable(url, "w2", lease_s=1.0, clock=clock)
    deadline = clock.now + 5
    assert w1.claim("c1", "d", "r/reply", deadline).outcome == Outcome.CLAIMED
    assert w2.claim("c1", "d", "r/reply", deadline).outcome == Outcome.BUSY
    assert w2.claim("c1", "other", "r/reply", deadline).outcome == Outcome.CONFLICT
    clock.now += 1.0
    assert w2.claim("c1", "d", "r/reply", deadline).outcome == Outcome.CLAIMED
    assert w2.complete("c1", b"second") == b"second"
    assert w1.complete("c1", b"first, too late") == b"second"
    replay = w1.claim("c1", "d", "r/reply", deadline + 60)
    assert (replay.outcome, replay.reply) == (Outcome.ANSWERED, b"second")
    assert replay.deadline == deadline
    w1.close()
    w2.close()


def test_concurrent_workers_claim_once_and_keep_one_audit_chain(
    new_database: NewDatabase,
) -> None:
    """Separate connections racing: the advisory locks serialise them as SQLite's lock does."""
    url = new_database()
    workers = 4
    tables = [ReplyTable(url, f"w{n}") for n in range(workers)]
    stores = [MatcherStore(url) for _ in range(workers)]
    start = threading.Barrier(workers)
    outcomes: list[Outcome] = []

    def work(n: int) -> None:
        start.wait()
        for i in range(20):
            outcomes.append(tables[n].claim(f"c{i}", "d", "r/reply", 2e9).outcome)
            AuditLog(stores[n]).append([AuditEntry(1.0, f"r{n}-{i}", "k", "sis", "p", "no_hit")])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count(Outcome.CLAIMED) == 20
    assert outcomes.count(Outcome.BUSY) == 20 * (workers - 1)
    assert AuditLog(stores[0]).verify()
    assert stores[0].query("SELECT COUNT(*) FROM audit") == [(20 * workers,)]
    for table, store in zip(tables, stores, strict=True):
        table.close()
        store.close()


def test_crossing_recorded_once_across_two_workers(seeded: Seeded) -> None:
    """A resent crossing report handled by a second worker's store still records once."""
    t = seeded.population.by_archetype("eligible")
    response = seeded.service.handle_match(
        make_request(t.document, t.live_image, t.portrait_image), NOW
    )
    other_store = MatcherStore(seeded.settings.matcher.store)
    other = build_service(seeded.settings, other_store, TEMPLATE_MODEL)
    acks = [
        service.handle_crossing(make_crossing(response.transaction_id))
        for service in (seeded.service, other)
    ]
    assert [a.duplicate for a in acks] == [False, True]
    assert seeded.store.query(
        "SELECT COUNT(*) FROM ees_movements WHERE transaction_id=?", (response.transaction_id,)
    ) == [(1,)]
    other_store.close()


def test_terminated_connections_are_replaced_unnoticed(
    seeded: Seeded, postgres: PostgresServer
) -> None:
    """The server cut every session but stayed up: the pool swaps them, the traveller passes.

    A server that is really away gives REFER (``test_postgres_reconnect``).
    """
    t = seeded.population.by_archetype("eligible")
    (name,) = seeded.store.query("SELECT current_database()")[0]
    with psycopg.connect(postgres.dsn, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
    response = seeded.service.handle_match(
        make_request(t.document, t.live_image, t.portrait_image), NOW
    )
    assert (response.decision, response.reasons) == (Decision.ACCEPT, ())


def test_database_url_selects_postgres() -> None:
    url = "postgresql://matcher@db.example:5432/openabc"
    assert MatcherSettings(database_url=url).store == url
    assert MatcherSettings(database=Path("x.sqlite3")).store == Path("x.sqlite3")
    with pytest.raises(ValidationError):
        MatcherSettings(database_url="mysql://nope")

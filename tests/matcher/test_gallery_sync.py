"""Every worker's in-memory gallery follows enrolments and purges made through another.

Two MatcherService instances over one store (separate connections, as two
worker processes have) on SQLite and on PostgreSQL: a traveller enrolled
through the first is found by the second's 1:N; purged, the second no longer
finds them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest
from matcher_fixtures import NOW, TEMPLATE_MODEL, make_crossing, make_request

from openabc.matcher.db import DatabaseTarget
from openabc.matcher.gallery import GallerySync, load_gallery, open_gallery
from openabc.matcher.retention import purge_expired
from openabc.matcher.service import MatcherService, TemplateModel
from openabc.matcher.store import MatcherStore
from openabc.messages import Decision, FaceTemplate, Reason, TravelDocument
from openabc.runtime.postgres import PostgresServer
from openabc.seeding.fakes import FAKE_MODEL

MODEL = TemplateModel(*TEMPLATE_MODEL)


def _document(number: str, surname: str) -> TravelDocument:
    return TravelDocument(
        document_type="P",
        issuing_state="CAN",
        document_number=number,
        nationality="CAN",
        birth_date=dt.date(1990, 1, 1),
        expiry_date=dt.date(2034, 1, 1),
        sex="F",
        surname=surname,
        given_names="SYNC",
    )


FIRST, SECOND = _document("SY0000001", "FIRST"), _document("SY0000002", "SECOND")


def _service(store: MatcherStore) -> MatcherService:
    gallery, seq = load_gallery(store, MODEL.model_id, MODEL.model_version, engine="numpy")
    return MatcherService(store, gallery, MODEL, identity_search_distance=0.5, gallery_seq=seq)


def _enrol_through_one_find_through_the_other(target: DatabaseTarget) -> None:
    with closing(MatcherStore(target)) as one_store, closing(MatcherStore(target)) as other_store:
        with one_store.transaction():
            for doc in (FIRST, SECOND):
                one_store.set_etias(
                    doc.issuing_state, doc.document_number, "valid", dt.date(2030, 1, 1)
                )
        one, other = _service(one_store), _service(other_store)
        # the same face presented later with another passport
        again = make_request(SECOND, "syncface2.jpg", "syncface3.jpg")
        assert other.handle_match(again, NOW).decision == Decision.ACCEPT  # nobody enrolled yet
        first = one.handle_match(make_request(FIRST, "syncface.jpg", "syncface1.jpg"), NOW)
        assert first.decision == Decision.ACCEPT
        assert one.handle_crossing(make_crossing(first.transaction_id)).recorded
        found = other.handle_match(again, NOW)
        assert (found.decision, found.reasons) == (Decision.REFER, (Reason.MID_YELLOW,))
        # purged through the first worker's store: the second stops finding them
        assert purge_expired(one_store, dt.date(2032, 1, 1)).files == 1
        after = other.handle_match(again, NOW)
        assert (after.decision, after.reasons) == (Decision.ACCEPT, ())
        assert other.sync.catch_up().changes == 0  # nothing new: one MAX(seq) lookup


def test_two_workers_share_enrolments_and_purges_on_sqlite(tmp_path: Path) -> None:
    _enrol_through_one_find_through_the_other(tmp_path / "sync.sqlite3")


@pytest.fixture()
def pg_target(postgres: PostgresServer) -> Iterator[str]:
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres.dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield make_conninfo(postgres.dsn, dbname=name)
    with psycopg.connect(postgres.dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def test_two_workers_share_enrolments_and_purges_on_postgres(pg_target: str) -> None:
    _enrol_through_one_find_through_the_other(pg_target)


def _template(vector: np.ndarray) -> FaceTemplate:
    return FaceTemplate(
        model_id=FAKE_MODEL[0],
        model_version=FAKE_MODEL[1],
        vector=tuple(float(v) for v in vector),
    )


def _enrol(store: MatcherStore, person_id: str, vector: np.ndarray) -> None:
    from openabc.matcher.records import Identity

    with store.transaction():
        if store.identity(person_id) is None:
            store.add_person(person_id, Identity("X", "Y", dt.date(1980, 1, 1), "USA", "F"))
        store.add_template(person_id, *FAKE_MODEL, vector)


def test_catch_up_adds_replaces_and_removes(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((3, 128)).astype(np.float32)
    store = MatcherStore(tmp_path / "feed.sqlite3")
    _enrol(store, "p0", vectors[0])
    gallery, seq = load_gallery(store, *FAKE_MODEL, engine="numpy")
    sync = GallerySync(store, gallery, *FAKE_MODEL, since=seq)
    assert sync.catch_up().changes == 0 and len(gallery) == 1
    _enrol(store, "p1", vectors[1])
    _enrol(store, "p0", vectors[2])  # re-enrolled: replaced, not duplicated
    stats = sync.catch_up()
    assert (stats.changes, stats.enrolled, stats.removed) == (2, 2, 0)
    assert len(gallery) == 2
    assert gallery.search(_template(vectors[2]), 1)[0] == ("p0", 0.0)
    with store.transaction() as conn:
        conn.execute("DELETE FROM templates WHERE person_id='p1'")
        conn.execute("INSERT INTO gallery_changes (person_id, op) VALUES ('p1', 'purge')")
    assert sync.catch_up().removed == 1
    assert [p for p, _ in gallery.search(_template(vectors[1]), 5)] == ["p0"]
    # a replay from an older position changes nothing
    replay = GallerySync(store, gallery, *FAKE_MODEL, since=0)
    assert replay.catch_up().changes == 4 and len(gallery) == 1
    store.close()


def test_gallery_loaded_before_a_change_replays_it(tmp_path: Path) -> None:
    """The feed position is read before the templates: a change in between is not lost."""
    rng = np.random.default_rng(4)
    store = MatcherStore(tmp_path / "race.sqlite3")
    since = store.gallery_high_water()
    _enrol(store, "late", rng.standard_normal(128).astype(np.float32))  # after `since`
    gallery = open_gallery(*FAKE_MODEL, [], np.zeros((0, 0), np.float32), engine="numpy")
    GallerySync(store, gallery, *FAKE_MODEL, since=since).catch_up()
    assert len(gallery) == 1
    store.close()

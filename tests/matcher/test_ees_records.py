"""EES depth: exits with overstay, refusals of entry, retention purge at the boundary days."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from matcher_fixtures import NOW, Seeded, make_crossing, make_request

from openabc.matcher.audit import AuditLog
from openabc.matcher.ees import overstay_on_exit, record_crossing, record_refusal, refusals
from openabc.matcher.records import Identity
from openabc.matcher.retention import add_years, purge_expired
from openabc.matcher.store import MatcherStore
from openabc.messages import Decision, Direction, Reason, TravelDocument

DOC = TravelDocument(
    document_type="P",
    issuing_state="CAN",
    document_number="RT0000001",
    nationality="CAN",
    birth_date=dt.date(1980, 5, 5),
    expiry_date=dt.date(2034, 1, 1),
    sex="F",
    surname="RETAIN",
    given_names="TEST",
)


def movements(store: MatcherStore, transaction_id: str) -> list[tuple[str, int | None]]:
    return store.conn.execute(
        "SELECT direction, overstay_days FROM ees_movements WHERE transaction_id=?",
        (transaction_id,),
    ).fetchall()


def test_exit_is_checked_and_recorded_as_an_exit(seeded: Seeded) -> None:
    t = seeded.population.by_archetype("eligible")
    entry = seeded.service.handle_match(
        make_request(t.document, t.live_image, t.portrait_image), NOW
    )
    seeded.service.handle_crossing(make_crossing(entry.transaction_id))
    later = NOW + dt.timedelta(days=10)
    request = make_request(t.document, t.live_image, t.portrait_image, direction=Direction.EXIT)
    out = seeded.service.handle_match(request, later)
    assert (out.decision, out.reasons) == (Decision.ACCEPT, ())
    assert "etias" not in out.checks and "vis" not in out.checks
    assert {"sis", "sltd", "face_verify", "document", "ees"} <= set(out.checks)
    assert out.stay is not None and out.stay.days_used == 8 + 11
    crossing = make_crossing(out.transaction_id).model_copy(
        update={"crossed_at": later.timestamp() + 3}
    )
    assert seeded.service.handle_crossing(crossing).recorded
    assert movements(seeded.store, out.transaction_id) == [("exit", 0)]
    assert movements(seeded.store, entry.transaction_id) == [("entry", None)]


def test_exit_after_an_overstay_is_referred_for_the_guard(seeded: Seeded) -> None:
    t = seeded.population.by_archetype("eligible")
    entered = NOW.date() - dt.timedelta(days=100)
    with seeded.store.transaction() as conn:
        conn.execute("DELETE FROM ees_movements WHERE person_id=?", (t.person_id,))
        record_crossing(seeded.store, t.person_id, Direction.ENTRY, entered)
    request = make_request(t.document, t.live_image, t.portrait_image, direction=Direction.EXIT)
    out = seeded.service.handle_match(request, NOW)
    assert (out.decision, out.reasons) == (Decision.REFER, (Reason.OVERSTAY_AT_EXIT,))
    assert out.checks["ees"] == "fail"
    # 101 days inside, 90 allowed: 11 days over
    assert overstay_on_exit(seeded.store, t.person_id, NOW.date()) == 11
    assert out.stay is not None and out.stay.latest_exit == entered + dt.timedelta(days=89)
    assert out.stay.days_used == 101


def test_a_guard_recorded_exit_carries_the_overstay(tmp_path: Path) -> None:
    store = MatcherStore(tmp_path / "m.sqlite3")
    day0 = dt.date(2026, 1, 1)
    with store.transaction():
        store.add_person("p-1", Identity("A", "B", dt.date(1990, 1, 1), "CAN", "F"))
        record_crossing(store, "p-1", Direction.ENTRY, day0)
        record_crossing(store, "p-1", Direction.EXIT, day0 + dt.timedelta(days=94))
    rows = store.conn.execute("SELECT direction, overstay_days FROM ees_movements ORDER BY id")
    assert rows.fetchall() == [("entry", None), ("exit", 5)]
    store.close()


def test_refusal_of_entry_is_recorded_with_its_reasons(seeded: Seeded) -> None:
    t = seeded.population.by_archetype("sis_hit")
    record_refusal(
        seeded.store,
        document=t.document,
        on_date=NOW.date(),
        reasons=[Reason.SIS_HIT, Reason.SIS_HIT],
        officer_id="officer-7",
    )
    got = refusals(seeded.store, t.document.issuing_state, t.document.document_number)
    assert [(r.on_date, r.reasons, r.officer_id) for r in got] == [
        (NOW.date(), (Reason.SIS_HIT,), "officer-7")
    ]
    with pytest.raises(ValueError, match="at least one reason"):
        record_refusal(
            seeded.store, document=t.document, on_date=NOW.date(), reasons=[], officer_id="o"
        )


def _file(store: MatcherStore, pid: str, moves: list[tuple[Direction, dt.date]]) -> None:
    with store.transaction():
        store.add_person(pid, Identity("A", "B", dt.date(1990, 1, 1), "CAN", "F"))
        store.add_document(pid, "P", "CAN", f"D{pid}", dt.date(2040, 1, 1))
        store.add_template(pid, "m", "1", [0.0] * 128)
        for direction, day in moves:
            record_crossing(store, pid, direction, day)


def _persons(store: MatcherStore) -> set[str]:
    return {str(r[0]) for r in store.query("SELECT person_id FROM persons")}


EXIT_DAY = dt.date(2023, 3, 10)
ENTRY_DAY = dt.date(2021, 7, 1)


@pytest.mark.parametrize(
    ("today", "kept"),
    [
        (dt.date(2026, 3, 10), {"p-exit", "p-open"}),  # last day of exit's 3 years
        (dt.date(2026, 3, 11), {"p-open"}),
        (dt.date(2026, 7, 1), {"p-open"}),  # last day of the 5 years without exit
        (dt.date(2026, 7, 2), set()),
    ],
)
def test_retention_boundaries(tmp_path: Path, today: dt.date, kept: set[str]) -> None:
    store = MatcherStore(tmp_path / "m.sqlite3")
    _file(
        store,
        "p-exit",
        [(Direction.ENTRY, EXIT_DAY - dt.timedelta(days=5)), (Direction.EXIT, EXIT_DAY)],
    )
    _file(store, "p-open", [(Direction.ENTRY, ENTRY_DAY)])
    summary = purge_expired(store, today)
    assert _persons(store) == kept
    gone = 2 - len(kept)
    assert summary.files == gone
    assert summary.templates == gone
    left = {str(r[0]) for r in store.query("SELECT person_id FROM templates")}
    assert left == kept
    moves = {str(r[0]) for r in store.query("SELECT person_id FROM ees_movements")}
    assert moves == kept
    audit = store.query("SELECT system, purpose, outcome FROM audit ORDER BY seq")
    assert audit[-1] == ("ees", "retention_purge", f"files={gone}")
    assert AuditLog(store).verify()
    store.close()


def test_refusal_extends_retention_and_unlinked_refusals_expire(tmp_path: Path) -> None:
    store = MatcherStore(tmp_path / "m.sqlite3")
    _file(
        store,
        "p-1",
        [(Direction.ENTRY, dt.date(2020, 1, 1)), (Direction.EXIT, dt.date(2020, 1, 5))],
    )
    doc = DOC.model_copy(update={"document_number": "Dp-1"})
    record_refusal(
        store, document=doc, on_date=dt.date(2022, 2, 1), reasons=[Reason.SIS_HIT], officer_id="o"
    )
    record_refusal(
        store, document=DOC, on_date=dt.date(2022, 2, 1), reasons=[Reason.SIS_HIT], officer_id="o"
    )
    assert purge_expired(store, dt.date(2025, 2, 1)).files == 0
    assert len(store.query("SELECT 1 FROM ees_refusals")) == 2
    summary = purge_expired(store, dt.date(2025, 2, 2))
    assert (summary.files, summary.refusals) == (1, 2)
    assert _persons(store) == set()
    store.close()


def test_leap_day_retention() -> None:
    assert add_years(dt.date(2024, 2, 29), 3) == dt.date(2027, 2, 28)


def test_purge_command_prints_counts(tmp_path: Path) -> None:
    import io
    import json

    from openabc.matcher.purge_cli import run_purge_command

    db = tmp_path / "m.sqlite3"
    store = MatcherStore(db)
    _file(
        store,
        "p-exit",
        [(Direction.ENTRY, dt.date(2020, 1, 1)), (Direction.EXIT, dt.date(2020, 1, 2))],
    )
    store.close()
    out = io.StringIO()
    assert run_purge_command(db, out, today=dt.date(2026, 1, 1)) == 0
    assert json.loads(out.getvalue()) == {
        "today": "2026-01-01",
        "files": 1,
        "movements": 2,
        "refusals": 0,
        "templates": 1,
    }

"""The audit chain records every consultation, verifies, and detects tampering."""

from __future__ import annotations

from matcher_fixtures import NOW, Seeded, make_crossing, make_request

from openabc.matcher.audit import AuditEntry, AuditLog


def _run_some(seeded: Seeded) -> None:
    for archetype in ("eligible", "sis_hit", "overstayer"):
        t = seeded.population.by_archetype(archetype)
        response = seeded.service.handle_match(
            make_request(t.document, t.live_image, t.portrait_image), NOW
        )
        seeded.service.handle_crossing(make_crossing(response.transaction_id))


def test_every_consulted_system_is_audited(seeded: Seeded) -> None:
    t = seeded.population.by_archetype("eligible")
    response = seeded.service.handle_match(
        make_request(t.document, t.live_image, t.portrait_image), NOW
    )
    rows = seeded.store.conn.execute(
        "SELECT system, kiosk_id, purpose FROM audit WHERE request_id=? ORDER BY seq",
        (response.transaction_id,),
    ).fetchall()
    assert {r[0] for r in rows} == {
        "document",
        "face_verify",
        "cir_identity",
        "sis",
        "sltd",
        "etias",
        "ees",
    }
    assert {(r[1], r[2]) for r in rows} == {("kiosk-1", "border_check_entry")}


def test_audit_holds_no_personal_data(seeded: Seeded) -> None:
    _run_some(seeded)
    dump = repr(seeded.store.conn.execute("SELECT * FROM audit").fetchall())
    for traveller in seeded.population.travellers:
        assert traveller.document.document_number not in dump
        assert traveller.document.surname not in dump


def test_chain_verifies(seeded: Seeded) -> None:
    _run_some(seeded)
    assert AuditLog(seeded.store).verify()
    assert seeded.store.conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0] > 10


def test_tampered_row_is_detected(seeded: Seeded) -> None:
    _run_some(seeded)
    seeded.store.conn.execute(
        "UPDATE audit SET outcome='no_hit' WHERE system='sis' AND outcome='hit'"
    )
    assert not AuditLog(seeded.store).verify()


def test_deleted_row_is_detected(seeded: Seeded) -> None:
    _run_some(seeded)
    seeded.store.conn.execute("DELETE FROM audit WHERE seq=3")
    assert not AuditLog(seeded.store).verify()


def test_rehashed_row_still_breaks_the_next_link(seeded: Seeded) -> None:
    log = AuditLog(seeded.store)
    log.append(
        [
            AuditEntry(1.0, f"r{i}", "kiosk-1", "sis", "border_check_entry", "no_hit")
            for i in range(3)
        ]
    )
    from openabc.matcher.audit import row_hash

    prev = seeded.store.conn.execute("SELECT prev_hash FROM audit WHERE seq=2").fetchone()[0]
    forged = row_hash(prev, 2, AuditEntry(1.0, "r1", "kiosk-1", "sis", "border_check_entry", "hit"))
    seeded.store.conn.execute("UPDATE audit SET outcome='hit', row_hash=? WHERE seq=2", (forged,))
    assert not log.verify()

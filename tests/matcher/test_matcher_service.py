"""End to end in-process: every archetype gets its expected decision and reasons."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from matcher_fixtures import NOW, TEMPLATE_MODEL, Seeded, make_crossing, make_request

from openabc.matcher.app import build_service
from openabc.messages import Decision, Direction, Reason, TravelDocument
from openabc.seeding.models import Archetype


@pytest.mark.parametrize("archetype", [a for a in Archetype if a != Archetype.FILLER])
def test_archetype_gets_expected_answer(seeded: Seeded, archetype: Archetype) -> None:
    traveller = seeded.population.by_archetype(archetype)
    request = make_request(
        traveller.document,
        traveller.live_image,
        traveller.portrait_image,
        direction=traveller.direction,
    )
    response = seeded.service.handle_match(request, NOW)
    assert response.decision == traveller.expected_decision
    assert response.reasons == traveller.expected_reasons
    assert len(response.transaction_id) >= 8


def test_overstayer_has_no_day_left(seeded: Seeded) -> None:
    t = seeded.population.by_archetype("overstayer")
    response = seeded.service.handle_match(
        make_request(t.document, t.live_image, t.portrait_image), NOW
    )
    assert response.stay is not None
    assert (response.stay.days_used, response.stay.days_remaining) == (90, 0)
    assert response.checks["ees"] == "fail"


def test_eligible_checks_and_stay(seeded: Seeded) -> None:
    t = seeded.population.by_archetype("eligible")
    response = seeded.service.handle_match(
        make_request(t.document, t.live_image, t.portrait_image), NOW
    )
    assert response.stay is not None and response.stay.days_used == 8
    assert response.face_distance is not None and response.face_distance < 0.6
    assert response.checks == {
        "template_model": "pass",
        "document": "pass",
        "face_verify": "pass",
        "biometric_verify": "pass",  # sBMS fused 1:1 (face only here: no fingers sent)
        "cir_identity": "pass",
        "sis": "no_hit",
        "sltd": "no_hit",
        "etias": "pass",
        "ees": "pass",
    }
    assert response.stay.latest_exit is not None


def test_crossing_recorded_once_and_counted_next_time(seeded: Seeded) -> None:
    t = seeded.population.by_archetype("eligible")
    response = seeded.service.handle_match(
        make_request(t.document, t.live_image, t.portrait_image), NOW
    )
    first = seeded.service.handle_crossing(make_crossing(response.transaction_id))
    again = seeded.service.handle_crossing(make_crossing(response.transaction_id))
    assert (first.recorded, first.duplicate) == (True, False)
    assert (again.recorded, again.duplicate) == (True, True)
    rows = seeded.store.conn.execute(
        "SELECT COUNT(*) FROM ees_movements WHERE transaction_id=?", (response.transaction_id,)
    ).fetchone()
    assert rows[0] == 1
    later = seeded.service.handle_match(
        make_request(t.document, t.live_image, t.portrait_image), NOW + dt.timedelta(days=1)
    )
    # 8 earlier days + the open stay since NOW (27 and 28 Nov both count)
    assert later.stay is not None and later.stay.days_used == 10


def test_store_level_movement_is_unique_per_transaction(seeded: Seeded) -> None:
    pid = seeded.population.by_archetype("eligible").person_id
    with seeded.store.transaction():
        assert seeded.store.add_movement(pid, "entry", NOW.date(), "tx-unique-1")
        assert not seeded.store.add_movement(pid, "entry", NOW.date(), "tx-unique-1")


def test_crossing_refused_for_refer_unknown_or_other_kiosk(seeded: Seeded) -> None:
    t = seeded.population.by_archetype("sis_hit")
    refer = seeded.service.handle_match(
        make_request(t.document, t.live_image, t.portrait_image), NOW
    )
    assert not seeded.service.handle_crossing(make_crossing(refer.transaction_id)).recorded
    assert not seeded.service.handle_crossing(make_crossing("no-such-transaction")).recorded
    e = seeded.population.by_archetype("eligible")
    ok = seeded.service.handle_match(make_request(e.document, e.live_image, e.portrait_image), NOW)
    other = seeded.service.handle_crossing(make_crossing(ok.transaction_id, kiosk="kiosk-2"))
    assert not other.recorded
    count = seeded.store.conn.execute(
        "SELECT COUNT(*) FROM ees_movements WHERE transaction_id IS NOT NULL"
    ).fetchone()[0]
    assert count == 0


def test_not_crossed_closes_without_ees_entry(seeded: Seeded) -> None:
    e = seeded.population.by_archetype("eligible")
    ok = seeded.service.handle_match(make_request(e.document, e.live_image, e.portrait_image), NOW)
    ack = seeded.service.handle_crossing(make_crossing(ok.transaction_id, crossed=False))
    assert (ack.recorded, ack.duplicate) == (True, False)
    late = seeded.service.handle_crossing(make_crossing(ok.transaction_id))
    assert late.duplicate
    assert (
        seeded.store.conn.execute(
            "SELECT COUNT(*) FROM ees_movements WHERE transaction_id=?", (ok.transaction_id,)
        ).fetchone()[0]
        == 0
    )


def test_template_from_another_model_is_referred(seeded: Seeded) -> None:
    t = seeded.population.by_archetype("eligible")
    request = make_request(
        t.document, t.live_image, t.portrait_image, model=("face-embed-dlib-resnet", "2.0.0")
    )
    response = seeded.service.handle_match(request, NOW)
    assert response.decision == Decision.REFER
    assert response.reasons == (Reason.TEMPLATE_MODEL_MISMATCH,)
    assert "face_verify" not in response.checks


def test_enrolled_face_with_another_identity_is_a_yellow_link(seeded: Seeded) -> None:
    # The eligible traveller's face presented with the SIS traveller's passport.
    impostor = seeded.population.by_archetype("sis_hit").document
    response = seeded.service.handle_match(make_request(impostor, "obama2.jpg", "obama.jpg"), NOW)
    assert response.reasons == (Reason.SIS_HIT, Reason.MID_YELLOW)


def test_expired_document_is_referred(seeded: Seeded) -> None:
    t = seeded.population.by_archetype("eligible")
    expired = t.document.model_copy(update={"expiry_date": NOW.date() - dt.timedelta(days=1)})
    response = seeded.service.handle_match(
        make_request(expired, t.live_image, t.portrait_image), NOW
    )
    assert response.reasons == (Reason.DOCUMENT_EXPIRED,)


def test_newcomer_is_enrolled_on_crossing(seeded: Seeded) -> None:
    doc = TravelDocument(
        document_type="P",
        issuing_state="CAN",
        document_number="ZZ0000001",
        nationality="CAN",
        birth_date=dt.date(1990, 1, 1),
        expiry_date=dt.date(2034, 1, 1),
        sex="F",
        surname="NEW",
        given_names="COMER",
    )
    with seeded.store.transaction():
        seeded.store.set_etias("CAN", "ZZ0000001", "valid", dt.date(2030, 1, 1))
    first = seeded.service.handle_match(make_request(doc, "newcomer.jpg", "newcomer2.jpg"), NOW)
    assert first.decision == Decision.ACCEPT
    assert seeded.service.handle_crossing(make_crossing(first.transaction_id)).recorded
    # Same face with another passport and name now gives a yellow MID link.
    other = doc.model_copy(update={"document_number": "ZZ0000002", "surname": "OTHER"})
    with seeded.store.transaction():
        seeded.store.set_etias("CAN", "ZZ0000002", "valid", dt.date(2030, 1, 1))
    second = seeded.service.handle_match(make_request(other, "newcomer.jpg", "newcomer.jpg"), NOW)
    assert second.reasons == (Reason.MID_YELLOW,)
    # and a reloaded worker sees the enrolment too (it is in the store).
    reloaded = build_service(seeded.settings, seeded.store, TEMPLATE_MODEL)
    third = reloaded.handle_match(make_request(other, "newcomer.jpg", "newcomer.jpg"), NOW)
    assert third.reasons == (Reason.MID_YELLOW,)


def test_store_failure_never_accepts(seeded: Seeded, tmp_path: Path) -> None:
    t = seeded.population.by_archetype("eligible")
    seeded.store.conn.close()
    response = seeded.service.handle_match(
        make_request(t.document, t.live_image, t.portrait_image), NOW
    )
    assert response.decision == Decision.REFER
    assert response.reasons == (Reason.SYSTEM_UNAVAILABLE,)


def test_one_register_failing_is_system_unavailable(seeded: Seeded) -> None:
    t = seeded.population.by_archetype("eligible")
    seeded.store.conn.execute("DROP TABLE sis_person_alerts")
    response = seeded.service.handle_match(
        make_request(t.document, t.live_image, t.portrait_image), NOW
    )
    assert response.decision == Decision.REFER
    assert response.reasons == (Reason.SYSTEM_UNAVAILABLE,)
    assert response.checks["sis"] == "unavailable"


def test_exit_direction_is_checked_too(seeded: Seeded) -> None:
    t = seeded.population.by_archetype("eligible")
    response = seeded.service.handle_match(
        make_request(t.document, t.live_image, t.portrait_image, direction=Direction.EXIT), NOW
    )
    assert response.decision == Decision.ACCEPT

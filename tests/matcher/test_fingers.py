"""Finger verification in the matcher: genuine, impostor, malformed, enrolment, 1:N, both engines.

Probes are new emulated slaps (another capture seed than the seeder's) of
the traveller's synthetic fingers, so genuine probes differ from the
enrolled impressions yet must match them.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from matcher_fixtures import NOW, TEMPLATE_MODEL, TODAY, Seeded, make_crossing, make_request

from openabc.fingerprint.emulated_scanner import EmulatedFingerprintScanner
from openabc.fingerprint.extractor import FingerTemplate, MinutiaeExtractor
from openabc.fingerprint.slap_pipeline import process_slap
from openabc.fingerprint.types import Finger, Hand
from openabc.fingerprint.wire import from_message, to_message
from openabc.matcher.app import build_service
from openabc.matcher.audit import AuditLog
from openabc.matcher.fingers import (
    FINGER_SYSTEM,
    EnrolledFinger,
    FingerCandidate,
    add_finger_templates,
    finger_gallery,
    finger_templates,
    identify_fingers,
)
from openabc.matcher.records import Identity
from openabc.matcher.retention import purge_expired
from openabc.matcher.store import MatcherStore
from openabc.messages import (
    CheckOutcome,
    Decision,
    FingerprintTemplate,
    MatchRequest,
    Reason,
    TravelDocument,
)
from openabc.runtime.postgres import PostgresServer
from openabc.seeding.fingers import ENROLMENT_CAPTURE_SEED, enrolment_fingers
from openabc.seeding.models import SeedTraveller

KIOSK_CAPTURE_SEED = 31
A, B, C = 700_001, 700_002, 700_003
"""Synthetic subjects shared by the tests (masters and captures are cached)."""


@functools.cache
def _slap(finger_seed: int, capture_seed: int) -> tuple[FingerprintTemplate, ...]:
    """A kiosk capture of a subject's right slap, as sent (cached: ~1 s each)."""
    scanner = EmulatedFingerprintScanner(finger_seed, capture_seed=capture_seed)
    result = process_slap(scanner.capture_slap(5.0, Hand.RIGHT), MinutiaeExtractor())
    return tuple(to_message(f.finger, f.quality, f.template) for f in result.fingers)


def _probe(
    traveller: SeedTraveller | int, capture_seed: int = KIOSK_CAPTURE_SEED
) -> tuple[FingerprintTemplate, ...]:
    seed = traveller if isinstance(traveller, int) else traveller.finger_seed
    assert capture_seed != ENROLMENT_CAPTURE_SEED
    return _slap(seed, capture_seed)


def _request(
    traveller: SeedTraveller,
    fingers: tuple[FingerprintTemplate, ...],
    document: TravelDocument | None = None,
) -> MatchRequest:
    request = make_request(
        document or traveller.document,
        traveller.live_image,
        traveller.portrait_image,
        direction=traveller.direction,
    )
    return request.model_copy(update={"fingers": fingers})


def _audit_systems(store: MatcherStore, transaction_id: str) -> list[tuple[str, str]]:
    rows = store.query(
        "SELECT system, outcome FROM audit WHERE request_id=? ORDER BY seq", (transaction_id,)
    )
    return [(str(r[0]), str(r[1])) for r in rows]


def test_seeding_enrolled_four_fingers_for_travellers_with_a_file(seeded: Seeded) -> None:
    gallery = finger_gallery(seeded.store)
    eligible = seeded.population.by_archetype("eligible")
    overstayer = seeded.population.by_archetype("overstayer")
    assert set(gallery) == {eligible.person_id, overstayer.person_id}
    for fingers in gallery.values():
        assert sorted(fingers) == [2, 3, 4, 5]
    first_timer = seeded.population.by_archetype("sis_hit")
    assert finger_templates(seeded.store, first_timer.person_id) == {}
    exit_ = seeded.population.by_archetype("exit")
    assert exit_.finger_seed == eligible.finger_seed  # same person, same fingers


def test_genuine_fingers_verify_and_accept(seeded: Seeded, extractor: MinutiaeExtractor) -> None:
    eligible = seeded.population.by_archetype("eligible")
    response = seeded.service.handle_match(_request(eligible, _probe(eligible)), NOW)
    assert (response.decision, response.reasons) == (Decision.ACCEPT, ())
    assert response.fingers_matched is not None and response.fingers_matched >= 2
    assert response.checks["finger_verify"] == CheckOutcome.PASS
    assert (FINGER_SYSTEM, "pass") in _audit_systems(seeded.store, response.transaction_id)
    # the exit of the same person verifies the same fingers
    exit_ = seeded.population.by_archetype("exit")
    out = seeded.service.handle_match(_request(exit_, _probe(exit_)), NOW)
    assert out.decision == Decision.ACCEPT and (out.fingers_matched or 0) >= 2


def test_without_fingers_the_matcher_is_face_only(seeded: Seeded) -> None:
    eligible = seeded.population.by_archetype("eligible")
    response = seeded.service.handle_match(_request(eligible, ()), NOW)
    assert response.decision == Decision.ACCEPT
    assert response.fingers_matched is None and "finger_verify" not in response.checks
    assert all(s != FINGER_SYSTEM for s, _ in _audit_systems(seeded.store, response.transaction_id))


def test_impostor_fingers_are_referred(seeded: Seeded, extractor: MinutiaeExtractor) -> None:
    eligible = seeded.population.by_archetype("eligible")
    overstayer = seeded.population.by_archetype("overstayer")
    # The passport has a file, so only the 1:1 runs (the finger 1:N is for newcomers):
    # someone else's fingers, enrolled or not, are a mismatch
    expected = [(Reason.FINGER_MISMATCH,), (Reason.FINGER_MISMATCH,)]
    for impostor, reasons in zip((_probe(overstayer), _probe(C)), expected, strict=True):
        response = seeded.service.handle_match(_request(eligible, impostor), NOW)
        assert (response.decision, response.reasons) == (Decision.REFER, reasons)
        assert response.checks["biometric_verify"] == CheckOutcome.FAIL
        assert response.fingers_matched is not None and response.fingers_matched < 2
        assert response.checks["finger_verify"] == CheckOutcome.FAIL


def _bad_fingers(good: FingerprintTemplate) -> list[tuple[FingerprintTemplate, ...]]:
    record = base64.b64decode(good.record_b64)

    def as_b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    return [
        (good.model_copy(update={"record_b64": "not base64!!"}),),
        (good.model_copy(update={"record_b64": as_b64(b"FMR\x00 20\x00" + b"\x00" * 20)}),),
        (good.model_copy(update={"record_b64": as_b64(record[:-5])}),),
        (good.model_copy(update={"position": 7}),),  # record says right index
        (good, good),  # one position twice
    ]


def test_malformed_fingers_are_refused_never_accepted(
    seeded: Seeded, extractor: MinutiaeExtractor
) -> None:
    eligible = seeded.population.by_archetype("eligible")
    for fingers in _bad_fingers(_probe(eligible)[0]):
        response = seeded.service.handle_match(_request(eligible, fingers), NOW)
        assert response.decision == Decision.REFER
        assert response.reasons == (Reason.INVALID_REQUEST,)
        assert response.checks["finger_verify"] == CheckOutcome.FAIL


def test_comparison_error_never_accepts(
    seeded: Seeded, extractor: MinutiaeExtractor, monkeypatch: pytest.MonkeyPatch
) -> None:
    eligible = seeded.population.by_archetype("eligible")

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("bozorth3 crashed")

    monkeypatch.setattr("openabc.matcher.fingers.compare", broken)
    response = seeded.service.handle_match(_request(eligible, _probe(eligible)), NOW)
    assert (response.decision, response.reasons) == (Decision.REFER, (Reason.SYSTEM_UNAVAILABLE,))
    assert response.checks["finger_verify"] == CheckOutcome.UNAVAILABLE


def test_first_fingers_are_enrolled_on_crossing(
    seeded: Seeded, extractor: MinutiaeExtractor
) -> None:
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
    newcomer = seeded.population.by_archetype("eligible").model_copy(
        update={"live_image": "newcomer.jpg", "portrait_image": "newcomer2.jpg"}
    )
    subject = A
    first = seeded.service.handle_match(_request(newcomer, _probe(subject), doc), NOW)
    assert first.decision == Decision.ACCEPT and first.fingers_matched is None
    held = seeded.store.query("SELECT COUNT(*) FROM transaction_fingers")
    assert held == [(4,)]
    ack = seeded.service.handle_crossing(make_crossing(first.transaction_id))
    assert ack.recorded and not ack.duplicate
    assert seeded.store.query("SELECT COUNT(*) FROM transaction_fingers") == [(0,)]
    person = seeded.store.person_for_document("CAN", "ZZ0000001")
    assert person is not None and sorted(finger_templates(seeded.store, person)) == [2, 3, 4, 5]
    assert (FINGER_SYSTEM, "fingers=4") in _audit_systems(seeded.store, first.transaction_id)
    # next time the same fingers verify, another person's are refused
    again = seeded.service.handle_match(_request(newcomer, _probe(subject, 77), doc), NOW)
    assert again.decision == Decision.ACCEPT and (again.fingers_matched or 0) >= 2
    other = seeded.service.handle_match(_request(newcomer, _probe(B), doc), NOW)
    assert other.reasons == (Reason.FINGER_MISMATCH,)
    # a reloaded worker reads them from the store
    reloaded = build_service(seeded.settings, seeded.store, TEMPLATE_MODEL)
    third = reloaded.handle_match(_request(newcomer, _probe(subject, 77), doc), NOW)
    assert third.decision == Decision.ACCEPT


def test_refused_or_not_crossed_fingers_are_not_kept(
    seeded: Seeded, extractor: MinutiaeExtractor
) -> None:
    eligible = seeded.population.by_archetype("eligible")
    with seeded.store.transaction():  # nobody has fingers enrolled yet
        seeded.store.conn.execute("DELETE FROM finger_templates")
    response = seeded.service.handle_match(_request(eligible, _probe(eligible)), NOW)
    assert response.decision == Decision.ACCEPT and response.fingers_matched is None
    assert (FINGER_SYSTEM, "no_reference") in _audit_systems(seeded.store, response.transaction_id)
    seeded.service.handle_crossing(make_crossing(response.transaction_id, crossed=False))
    assert seeded.store.query("SELECT COUNT(*) FROM transaction_fingers") == [(0,)]
    assert finger_templates(seeded.store, eligible.person_id) == {}
    overstayer = seeded.population.by_archetype("overstayer")
    refused = seeded.service.handle_match(_request(overstayer, _probe(overstayer)), NOW)
    assert refused.decision == Decision.REFER
    assert seeded.store.query("SELECT COUNT(*) FROM transaction_fingers") == [(0,)]


def _enrol_subjects(store: MatcherStore, subjects: dict[str, int]) -> None:
    with store.transaction():
        for person_id, subject in subjects.items():
            store.add_person(person_id, Identity("X", "Y", dt.date(1980, 1, 1), "USA", "F"))
            add_finger_templates(store, person_id, enrolment_fingers(subject))


def _identify(
    store: MatcherStore, probes: dict[Finger, FingerTemplate], request_id: str
) -> list[FingerCandidate]:
    return identify_fingers(
        store,
        probes,
        request_id=request_id,
        requester="sbms",
        purpose="identification",
        at=NOW.timestamp(),
    )


def test_identification_finds_the_right_person_among_several(
    seeded: Seeded, extractor: MinutiaeExtractor
) -> None:
    _enrol_subjects(seeded.store, {"p-a": A, "p-b": B})
    probes = {Finger(m.position): from_message(m) for m in _probe(B)}
    hits = _identify(seeded.store, probes, "sbms-1")
    assert [h.person_id for h in hits] == ["p-b"]
    assert hits[0].matched >= 2
    eligible = seeded.population.by_archetype("eligible")
    probes = {Finger(m.position): from_message(m) for m in _probe(eligible)}
    assert _identify(seeded.store, probes, "sbms-1")[0].person_id == eligible.person_id
    unknown = {Finger(m.position): from_message(m) for m in _probe(C)}
    assert _identify(seeded.store, unknown, "sbms-1") == []
    assert _audit_systems(seeded.store, "sbms-1") == [
        (FINGER_SYSTEM, "candidates=1"),
        (FINGER_SYSTEM, "candidates=1"),
        (FINGER_SYSTEM, "candidates=0"),
    ]
    assert AuditLog(seeded.store).verify()


def test_retention_purges_finger_templates(seeded: Seeded) -> None:

    def faces() -> int:
        return len(seeded.store.query("SELECT 1 FROM templates"))

    before = faces()
    summary = purge_expired(seeded.store, TODAY + dt.timedelta(days=365 * 8))
    assert summary.templates == before - faces() + 8  # face vectors and the 8 finger records
    assert finger_gallery(seeded.store) == {}


def _round_trip(store: MatcherStore) -> None:
    enrolled = enrolment_fingers(A)
    _enrol_subjects(store, {"p-rt": A})
    back = finger_templates(store, "p-rt")
    assert sorted(back) == [f.position for f in enrolled]
    for finger in enrolled:
        stored = back[finger.position]
        assert stored.quality == finger.quality
        assert stored.template.to_bytes() == finger.template.to_bytes()
    with store.transaction():  # replacing one position keeps one row per position
        add_finger_templates(
            store, "p-rt", [EnrolledFinger(enrolled[0].position, 11, enrolled[0].template)]
        )
    assert finger_templates(store, "p-rt")[enrolled[0].position].quality == 11
    assert len(store.query("SELECT * FROM finger_templates")) == 4


def test_sqlite_round_trip(tmp_path: Path, extractor: MinutiaeExtractor) -> None:
    store = MatcherStore(tmp_path / "rt.sqlite3")
    try:
        _round_trip(store)
    finally:
        store.close()


@pytest.fixture()
def pg_url(postgres: PostgresServer) -> Iterator[str]:
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import make_conninfo

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres.dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield make_conninfo(postgres.dsn, dbname=name)
    with psycopg.connect(postgres.dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def test_postgres_round_trip(pg_url: str, extractor: MinutiaeExtractor) -> None:
    store = MatcherStore(pg_url)
    try:
        _round_trip(store)
        probes = {Finger(m.position): from_message(m) for m in _probe(A)}
        assert [h.person_id for h in _identify(store, probes, "sbms-pg")] == ["p-rt"]
    finally:
        store.close()

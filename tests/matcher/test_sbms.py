"""sBMS score fusion: the 1:1 rule (incl. weak face / strong fingers), the fused 1:N, errors."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matcher_fixtures import NOW, Seeded, make_request
from test_fingers import A, B, C, _probe, _request

from openabc.fingerprint.extractor import FingerTemplate, MinutiaeExtractor
from openabc.fingerprint.types import Finger
from openabc.fingerprint.wire import from_message
from openabc.matcher.checks import Check
from openabc.matcher.decision import Regime, decide
from openabc.matcher.fingers import add_finger_templates
from openabc.matcher.gallery import open_gallery
from openabc.matcher.index.planted import plant_weak_mates
from openabc.matcher.records import Identity
from openabc.matcher.sbms import (
    Modality,
    SearchResult,
    default_calibration,
    fit_linear_llr,
    search,
    verify,
)
from openabc.messages import (
    CheckOutcome,
    Decision,
    FaceTemplate,
    MatchRequest,
    Reason,
    TravelDocument,
)
from openabc.seeding.fakes import FAKE_MODEL
from openabc.seeding.fingers import enrolment_fingers

CAL = default_calibration(0.6)
GENUINE = (90.0, 75.0, 120.0, 60.0)
IMPOSTOR = (9.0, 14.0, 6.0, 20.0)
Out = CheckOutcome


def test_face_only_keeps_the_verify_distance_and_says_fingers_are_missing() -> None:
    ok, weak = verify(0.6, None, CAL), verify(0.6001, None, CAL)
    assert ok.outcome is Out.PASS and ok.missing == (Modality.FINGER,)
    assert (weak.outcome, weak.reasons) == (Out.FAIL, (Reason.FACE_MISMATCH,))


def test_genuine_face_and_fingers_pass() -> None:
    fused = verify(0.3, GENUINE, CAL)
    assert fused.outcome is Out.PASS and fused.missing == ()
    assert fused.score == pytest.approx(3.0 + 16.0)
    assert set(fused.parts) == {Modality.FACE, Modality.FINGER}


def test_impostor_fingers_are_not_outvoted_by_a_perfect_face() -> None:
    fused = verify(0.0, IMPOSTOR, CAL)
    assert (fused.outcome, fused.reasons) == (Out.FAIL, (Reason.FINGER_MISMATCH,))
    # fingers mildly against (one match, LLR -0.4) are outvoted by a good face: fusion
    mild = verify(0.3, (45.0, 35.0, 20.0, 10.0), CAL)
    assert mild.parts[Modality.FINGER] == pytest.approx(-0.41, abs=0.05)
    assert mild.outcome is Out.PASS


def test_weak_face_is_rescued_by_strong_fingers_up_to_the_rescue_distance() -> None:
    """The chosen rule: fingers rescue a face up to verify_distance + 0.1, never beyond."""
    assert verify(0.65, GENUINE, CAL).outcome is Out.PASS
    assert verify(0.7, GENUINE, CAL).outcome is Out.PASS
    beyond = verify(0.71, GENUINE, CAL)
    assert (beyond.outcome, beyond.reasons) == (Out.FAIL, (Reason.FACE_MISMATCH,))
    # one finger just over its threshold rescues a face at 0.69 (+2.8 - 1.8 >= 0),
    # one under it does not rescue a face at 0.7 (+0.4 - 2 < 0)
    one = verify(0.69, (41.0,), CAL)
    assert (one.outcome, one.reasons) == (Out.PASS, ())
    lone = verify(0.7, (30.0,), CAL)
    assert (lone.outcome, lone.reasons) == (Out.FAIL, (Reason.FACE_MISMATCH,))


def test_errors_and_gaps_never_pass() -> None:
    assert verify(0.1, None, CAL, finger_outcome=Out.UNAVAILABLE).outcome is Out.UNAVAILABLE
    assert verify(None, None, CAL).outcome is Out.UNAVAILABLE
    invalid = verify(0.1, (), CAL, finger_outcome=Out.FAIL, finger_reason=Reason.INVALID_REQUEST)
    assert (invalid.outcome, invalid.reasons) == (Out.FAIL, (Reason.INVALID_REQUEST,))
    nothing_in_common = verify(0.1, (), CAL, finger_outcome=Out.FAIL)
    assert nothing_in_common.reasons == (Reason.FINGER_MISMATCH,)


def test_llr_fit_recovers_gaussian_calibration() -> None:
    """Equal-variance Gaussians: LLR slope (mu_g - mu_i) / sigma^2, zero at the midpoint."""
    rng = np.random.default_rng(0)
    genuine, impostor = rng.normal(60, 10, 20000), rng.normal(20, 10, 20000)
    slope, offset = fit_linear_llr(list(genuine), list(impostor))
    assert slope == pytest.approx(0.4, rel=0.05)
    assert offset == pytest.approx(40, abs=0.5)


# --- through the matcher ------------------------------------------------------
def _weak_live(portrait: FaceTemplate, distance: float) -> FaceTemplate:
    vector = np.asarray(portrait.vector, dtype=np.float64)
    direction = np.random.default_rng(5).standard_normal(len(vector))
    live = vector + distance * direction / np.linalg.norm(direction)
    return portrait.model_copy(update={"vector": tuple(float(v) for v in live)})


def test_weak_face_with_the_travellers_fingers_is_accepted(
    seeded: Seeded, extractor: MinutiaeExtractor
) -> None:
    eligible = seeded.population.by_archetype("eligible")
    request = _request(eligible, _probe(eligible))
    weak = request.model_copy(update={"live_face": _weak_live(request.portrait_face, 0.65)})
    response = seeded.service.handle_match(weak, NOW)
    assert (response.decision, response.reasons) == (Decision.ACCEPT, ())
    assert response.checks["face_verify"] == Out.FAIL  # shown to the guard
    assert response.checks["finger_verify"] == Out.PASS
    assert response.checks["biometric_verify"] == Out.PASS
    face_only = seeded.service.handle_match(weak.model_copy(update={"fingers": ()}), NOW)
    assert face_only.reasons == (Reason.FACE_MISMATCH,)


def _newcomer_document() -> TravelDocument:
    return TravelDocument(
        document_type="P",
        issuing_state="CAN",
        document_number="SB0000001",
        nationality="CAN",
        birth_date=dt.date(1991, 2, 2),
        expiry_date=dt.date(2034, 1, 1),
        sex="M",
        surname="OTHER",
        given_names="NAME",
    )


def _newcomer_request(seeded: Seeded) -> MatchRequest:
    doc = _newcomer_document()
    with seeded.store.transaction():
        seeded.store.set_etias(doc.issuing_state, doc.document_number, "valid", dt.date(2030, 1, 1))
    return make_request(doc, "stranger.jpg", "stranger2.jpg")


def test_re_enrolment_under_another_passport_is_found_by_fingers(
    seeded: Seeded, extractor: MinutiaeExtractor
) -> None:
    """The face search misses (another face), the fused 1:N finds the file by fingers."""
    eligible = seeded.population.by_archetype("eligible")
    request = _newcomer_request(seeded)
    face_only = seeded.service.handle_match(request, NOW)
    assert face_only.decision == Decision.ACCEPT
    fingers = seeded.service.handle_match(
        request.model_copy(update={"fingers": _probe(eligible)}), NOW
    )
    assert (fingers.decision, fingers.reasons) == (Decision.REFER, (Reason.MID_YELLOW,))
    assert fingers.checks["cir_identity"] == Out.FAIL
    unknown = seeded.service.handle_match(request.model_copy(update={"fingers": _probe(C)}), NOW)
    assert unknown.decision == Decision.ACCEPT


def test_error_in_the_finger_search_never_accepts(
    seeded: Seeded, extractor: MinutiaeExtractor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A newcomer's fingers go through the 1:N; if it fails the answer is never ACCEPT."""

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("finger 1:N crashed")

    request = _newcomer_request(seeded).model_copy(update={"fingers": _probe(C)})
    assert seeded.service.handle_match(request, NOW).decision == Decision.ACCEPT
    monkeypatch.setattr("openabc.matcher.sbms.scan_finger_gallery", broken)
    response = seeded.service.handle_match(request, NOW)
    assert (response.decision, response.reasons) == (Decision.REFER, (Reason.SYSTEM_UNAVAILABLE,))
    assert response.checks["cir_identity"] == Out.UNAVAILABLE


def test_fused_search_finds_a_planted_person_the_face_gallery_misses(
    extractor: MinutiaeExtractor,
) -> None:
    rng = np.random.default_rng(11)
    planted = plant_weak_mates(rng, 2000, 1)
    ids = [f"p{i:05d}" for i in range(len(planted.gallery))]
    gallery = open_gallery(*FAKE_MODEL, ids, planted.gallery, engine="numpy")
    mate = ids[int(planted.mates[0])]
    other = next(p for p in ids if p != mate)
    fingers = {
        person: {f.position: f.template for f in enrolment_fingers(subject)}
        for person, subject in ((mate, A), (other, B))
    }
    face = FaceTemplate(
        model_id=FAKE_MODEL[0],
        model_version=FAKE_MODEL[1],
        vector=tuple(float(v) for v in planted.probes[0]),
    )
    # the face alone finds the weak mate only with the verify distance, not at 0.5
    assert gallery.search(face, 1)[0][1] > 0.5
    probes = {Finger(m.position): from_message(m) for m in _probe(A)}

    def fused(live: FaceTemplate, with_probes: dict[Finger, FingerTemplate]) -> SearchResult:
        return search(
            gallery,
            live,
            with_probes,
            5,
            calibration=CAL,
            search_distance=0.5,
            finger_gallery=fingers,
        )

    assert fused(face, {}).hits == []
    found = fused(face, probes)
    assert [h.person_id for h in found.hits] == [mate]
    assert found.hits[0].face_distance == pytest.approx(float(planted.mate_distances[0]), abs=1e-4)
    # a stranger's face and A's fingers: the face misses entirely, the fingers find A
    stranger = face.model_copy(update={"vector": tuple(float(v) for v in -planted.probes[0])})
    far = fused(stranger, probes)
    assert [h.person_id for h in far.hits] == [mate]
    assert far.hits[0].parts[Modality.FACE] == CAL.face.low


def test_enrolled_fingers_reach_the_other_workers_finger_cache(
    seeded: Seeded, extractor: MinutiaeExtractor
) -> None:
    """Fingers enrolled after the cache was loaded are found through the change feed."""
    request = _newcomer_request(seeded)
    with_c = request.model_copy(update={"fingers": _probe(C)})
    assert seeded.service.handle_match(with_c, NOW).decision == Decision.ACCEPT  # cache loaded
    with seeded.store.transaction():
        seeded.store.add_person("p-c", Identity("C", "C", dt.date(1970, 1, 1), "USA", "M"))
        add_finger_templates(seeded.store, "p-c", enrolment_fingers(C))
    response = seeded.service.handle_match(with_c, NOW)
    assert response.reasons == (Reason.MID_YELLOW,)


# --- the decision with a fused verdict ------------------------------------------
def _all_good() -> dict[Check, CheckOutcome]:
    from test_matcher_decision import GOOD

    return dict(GOOD)


def test_fused_verdict_replaces_face_verify_in_the_decision() -> None:
    checks = _all_good() | {Check.FACE_VERIFY: Out.FAIL}  # weak face, rescued
    assert decide(checks, regime=Regime.ETIAS, biometric=Out.PASS) == (Decision.ACCEPT, ())
    both = (Reason.FACE_MISMATCH, Reason.FINGER_MISMATCH)
    assert decide(checks, regime=Regime.ETIAS, biometric=Out.FAIL, biometric_reasons=both) == (
        Decision.REFER,
        both,
    )
    # without a fused verdict face_verify is required as before
    assert decide(checks, regime=Regime.ETIAS)[1] == (Reason.FACE_MISMATCH,)


@given(st.sampled_from([o for o in CheckOutcome if o is not CheckOutcome.PASS]))
def test_a_fused_verdict_other_than_pass_never_accepts(outcome: CheckOutcome) -> None:
    decision, reasons = decide(_all_good(), regime=Regime.ETIAS, biometric=outcome)
    assert decision == Decision.REFER and reasons

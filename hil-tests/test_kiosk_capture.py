"""Issue #3 on the real lane: ePassport chip, face quality and liveness, four fingers.

Real gate firmware (MicroPython on a pty), real Mosquitto, the matcher as its
own process, the production ONNX models; only the reader, camera, scanner and
the traveller are emulated. Every refusal is checked at the gate too: the exit
release must never have gone high.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator

import pytest
from hil_site import Site

from openabc.epassport.chip_profile import ChipProfile
from openabc.inference.face_pipeline import FacePipeline, LivenessCheck
from openabc.lane.emulated import EmulatedLane
from openabc.lane.outcome import TravellerOutcome
from openabc.messages import Decision
from openabc.seeding.models import SeedTraveller

pytestmark = [pytest.mark.hil, pytest.mark.micropython, pytest.mark.mosquitto]


@pytest.fixture(scope="module")
def lane(
    site: Site, pipeline: FacePipeline, liveness: LivenessCheck, require_emulated: None
) -> Iterator[EmulatedLane]:
    settings = site.settings.lanes[0].model_copy(update={"kiosk_id": "kiosk-h3"})
    with EmulatedLane(site.settings, settings, pipeline, liveness=liveness) as running:
        yield running


def eligible(site: Site) -> SeedTraveller:
    return site.population.by_archetype("eligible")


def assert_refused(lane: EmulatedLane, outcome: TravellerOutcome, openings_before: int) -> None:
    assert outcome.outcome == "referred"
    assert outcome.traveller_message == "Please see a border guard"
    time.sleep(0.2)  # a late OUT line from the firmware would show up here
    assert lane.emulated_gate.exit_openings == openings_before
    assert not lane.emulated_gate.exit_open


def audited_finger_checks(site: Site) -> int:
    with sqlite3.connect(site.settings.matcher.database) as conn:
        row = conn.execute(
            "SELECT COUNT(*) FROM audit WHERE system = 'cir_fingers' AND outcome = 'pass'"
        ).fetchone()
    return int(row[0])


# --- ePassport ------------------------------------------------------------------------


def test_genuine_passport_passes_passive_authentication_and_the_traveller_crosses(
    site: Site, lane: EmulatedLane
) -> None:
    openings = lane.emulated_gate.exit_openings
    outcome = lane.serve(eligible(site))
    assert outcome.outcome == "passed", outcome.reasons
    assert outcome.decision is Decision.ACCEPT
    assert lane.emulated_gate.exit_openings == openings + 1
    for step in ("chip_check", "face_capture", "face_verify", "finger_capture"):
        assert step in outcome.timings_ms, step


@pytest.mark.parametrize(
    ("chip", "reasons"),
    [
        (ChipProfile(tamper="dg2"), ("dg_hash_mismatch:DG2",)),
        (ChipProfile(signer="untrusted"), ("ds_not_trusted",)),
        (ChipProfile(signer="expired"), ("ds_expired",)),
        (ChipProfile(tamper="dg1"), ("dg1_mrz_mismatch",)),
        (ChipProfile(signer="revoked"), ("ds_revoked",)),
        (ChipProfile(present=False), ("chip_missing",)),
    ],
    ids=["tampered_dg2", "unknown_csca", "expired_signer", "dg1_mrz_mismatch", "revoked_signer",
         "no_chip"],
)
def test_chip_that_fails_passive_authentication_is_refused_with_its_reason(
    site: Site, lane: EmulatedLane, chip: ChipProfile, reasons: tuple[str, ...]
) -> None:
    openings = lane.emulated_gate.exit_openings
    outcome = lane.serve(eligible(site).model_copy(update={"chip": chip}))
    assert_refused(lane, outcome, openings)
    assert outcome.reasons == reasons
    assert outcome.decision is None  # refused on the kiosk: the matcher was never asked
    assert "face_capture" not in outcome.timings_ms  # no biometric capture on a bad chip


# --- face -----------------------------------------------------------------------------


@pytest.mark.parametrize("species", ["print", "screen"])
def test_print_and_screen_replay_attacks_are_refused(
    site: Site, lane: EmulatedLane, species: str
) -> None:
    openings = lane.emulated_gate.exit_openings
    outcome = lane.serve(eligible(site), species=species)  # type: ignore[arg-type]
    assert_refused(lane, outcome, openings)
    assert outcome.reasons == ("presentation_attack",)


def test_poor_capture_is_retried_with_guidance_and_then_referred(
    site: Site, lane: EmulatedLane
) -> None:
    attempts = lane.lane.face_capture_attempts
    lane.guidance_given.clear()
    openings = lane.emulated_gate.exit_openings
    outcome = lane.serve(eligible(site), conditions=("far",) * attempts)
    assert_refused(lane, outcome, openings)
    assert outcome.reasons == ("face_quality_insufficient",)
    # told what to change before every retry (not before the referral)
    assert [g for g in lane.guidance_given if g == "STEP_CLOSER"] == ["STEP_CLOSER"] * (
        attempts - 1
    )


def test_poor_first_capture_then_good_one_passes(site: Site, lane: EmulatedLane) -> None:
    lane.guidance_given.clear()
    outcome = lane.serve(eligible(site), conditions=("turned",))
    assert outcome.outcome == "passed", outcome.reasons
    assert outcome.timings_ms["face_attempts"] == 2
    assert "LOOK_STRAIGHT" in lane.guidance_given


# --- fingers --------------------------------------------------------------------------


def test_four_fingers_are_verified_against_the_enrolled_ones(
    site: Site, lane: EmulatedLane
) -> None:
    traveller = eligible(site)
    checks_before = audited_finger_checks(site)
    genuine = lane.serve(traveller)
    assert genuine.outcome == "passed", genuine.reasons
    assert audited_finger_checks(site) > checks_before

    openings = lane.emulated_gate.exit_openings
    impostor = lane.serve(traveller, finger_seed=traveller.finger_seed + 7919)
    assert_refused(lane, impostor, openings)
    assert impostor.decision is Decision.REFER
    assert "finger_mismatch" in impostor.reasons

"""One lane end to end: real firmware, broker, models and matcher; emulated sensors."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator

import pytest
from hil_site import Site

from openabc.hal.emulated_gate import EmulatedGate
from openabc.inference.face_pipeline import FacePipeline, LivenessCheck
from openabc.lane.emulated import EmulatedLane
from openabc.lane.outcome import LaneReason
from openabc.messages import Decision, Reason

pytestmark = [pytest.mark.hil, pytest.mark.micropython, pytest.mark.mosquitto]


@pytest.fixture
def lane(
    site: Site, pipeline: FacePipeline, liveness: LivenessCheck, require_emulated: None
) -> Iterator[EmulatedLane]:
    lane_settings = site.settings.lanes[0]
    with EmulatedLane(site.settings, lane_settings, pipeline, liveness=liveness) as running:
        yield running


def ees_entries(site: Site, transaction_id: str) -> int:
    with sqlite3.connect(site.settings.matcher.database) as conn:
        row = conn.execute(
            "SELECT COUNT(*) FROM ees_movements WHERE transaction_id = ? AND direction = 'entry'",
            (transaction_id,),
        ).fetchone()
    return int(row[0])


def test_eligible_traveller_passes_and_ees_entry_is_recorded(
    site: Site, lane: EmulatedLane
) -> None:
    traveller = site.population.by_archetype("eligible")
    outcome = lane.serve(traveller)
    assert outcome.outcome == "passed", outcome.reasons
    assert outcome.decision is Decision.ACCEPT
    assert lane.emulated_gate.exit_openings == 1
    assert not lane.emulated_gate.exit_open
    assert outcome.transaction_id is not None
    assert ees_entries(site, outcome.transaction_id) == 1
    assert len(lane.service.pending) == 0


@pytest.mark.parametrize(
    ("archetype", "reason", "decision"),
    [("sis_hit", Reason.SIS_HIT, Decision.REFER), ("face_mismatch", Reason.FACE_MISMATCH, None)],
)
def test_referred_traveller_never_opens_the_door(
    site: Site, lane: EmulatedLane, archetype: str, reason: Reason, decision: Decision | None
) -> None:
    """A face that is not the chip's is referred by the kiosk before the matcher is asked."""
    traveller = site.population.by_archetype(archetype)
    outcome = lane.serve(traveller)
    assert outcome.outcome == "referred"
    assert outcome.decision is decision
    assert reason.value in outcome.reasons
    time.sleep(0.3)
    assert lane.emulated_gate.exit_openings == 0
    assert not lane.emulated_gate.exit_open


def test_matcher_stopped_mid_request_refers_within_deadline(site: Site, lane: EmulatedLane) -> None:
    traveller = site.population.by_archetype("eligible")
    site.matcher.pause()
    try:
        started = time.monotonic()
        outcome = lane.serve(traveller)
        elapsed = time.monotonic() - started
    finally:
        site.matcher.resume()
    deadline = site.settings.lanes[0].decision_timeout_s
    assert outcome.outcome == "referred"
    assert outcome.reasons == (LaneReason.MATCHER_TIMEOUT.value,)
    assert outcome.timings_ms["decision_round_trip"] < (deadline + 0.5) * 1000
    assert elapsed < deadline + 10
    assert lane.emulated_gate.exit_openings == 0


def test_lane_drives_a_gate_given_as_a_serial_device_path(
    site: Site, pipeline: FacePipeline, liveness: LivenessCheck, require_emulated: None
) -> None:
    """gate_port set to a device path, as for a real board on /dev/ttyUSB0."""
    with EmulatedGate(site.settings.micropython) as board:
        lane_settings = site.settings.lanes[0].model_copy(update={"gate_port": board.port_url})
        with EmulatedLane(site.settings, lane_settings, pipeline, liveness=liveness) as lane:
            assert lane.gate is None
            person = threading.Thread(
                target=lambda: board.wait_exit(True, 10) and board.walk_through(), daemon=True
            )
            person.start()
            outcome = lane.serve(site.population.by_archetype("eligible"))
            person.join(timeout=15)
    assert outcome.outcome == "passed", outcome.reasons
    assert board.exit_openings == 1

"""LaneService end to end with real parts: one traveller from document to crossing report.

Real face models, real matcher service and store, real gate firmware on the
MicroPython unix port, emulated reader and camera. Every scenario checks the
outcome, its reasons, and how often the exit release went high: it must go
high only on the ACCEPT path.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
import time

import numpy as np
import pytest
from PIL import Image

from openabc.lane.matcher_client import MatcherRefusedError
from openabc.lane.outcome import LaneReason, TravellerOutcome
from openabc.lane.ports import MatcherPort
from openabc.lane.service import LaneService
from openabc.lane.steps import LaneStep
from openabc.messages import (
    CrossingAck,
    Decision,
    FaceTemplate,
    FingerprintTemplate,
    MatchResponse,
    Reason,
    TravelDocument,
)
from openabc.mqtt.errors import RpcTimeout
from openabc.mrz import compose_td3
from openabc.seeding.models import SeedTraveller

from .conftest import InProcessMatcher, Lane

pytestmark = pytest.mark.micropython

DOCUMENT_TIMEOUT_S = 5.0


# --- helpers -------------------------------------------------------------------------


def serve(
    lane: Lane, service: LaneService, traveller: SeedTraveller, **arrive: object
) -> tuple[TravellerOutcome, bool]:
    """The traveller arrives, is processed and leaves; (outcome, walked through?)."""
    lane.arrive(traveller, **arrive)  # type: ignore[arg-type]
    try:
        outcome = service.process_traveller(document_timeout=DOCUMENT_TIMEOUT_S)
    finally:
        walked = lane.leave()
    return outcome, walked


def assert_no_personal_data(outcome: TravellerOutcome, *documents: TravelDocument) -> None:
    text = repr(outcome) + str(outcome.__dict__)
    for document in documents:
        assert document.document_number not in text
        for name in (*document.surname.split(), *document.given_names.split()):
            assert name not in text, name


def assert_wiped(lane: Lane, *, frames_expected: bool, fingers_expected: bool = False) -> None:
    """Every image the service handled (portrait, camera frames, slaps) is zero-filled."""
    assert lane.templater.images, "the face templater never saw an image"
    if frames_expected:
        assert len(lane.recording_camera.frames) >= lane.settings.capture_frames
    if fingers_expected:
        assert lane.recording_scanner.images, "no slap was captured"
    images = (
        *lane.templater.images, *lane.recording_camera.frames, *lane.recording_scanner.images
    )
    for image in images:
        assert image.size > 0
        assert not np.any(image), "a captured image was not wiped after the decision"


def assert_exit_never_opened(lane: Lane, walked: bool) -> None:
    time.sleep(0.2)  # let any late OUT line from the firmware arrive
    assert lane.gate.exit_openings == 0
    assert not lane.gate.exit_open
    assert not walked


def assert_referred(outcome: TravellerOutcome, reason: str, decision: Decision | None) -> None:
    assert outcome.outcome == "referred"
    assert outcome.reasons == (reason,)
    assert outcome.decision is decision
    assert outcome.traveller_message == "Please see a border guard"


def eligible(lane: Lane) -> SeedTraveller:
    return lane.site.population.by_archetype("eligible")


def composed_mrz(*, expiry: dt.date, document_number: str = "EX1234567") -> str:
    return "\n".join(
        compose_td3(
            issuing_state="USA",
            surname="EXPIREDSON",
            given_names="JANE",
            document_number=document_number,
            nationality="USA",
            birth_date=dt.date(1990, 1, 1),
            sex="F",
            expiry_date=expiry,
        )
    )


def flip_digit(mrz_text: str, line2_index: int) -> str:
    line1, line2 = mrz_text.split("\n")
    digit = line2[line2_index]
    assert digit.isdigit()
    flipped = str((int(digit) + 1) % 10)
    return line1 + "\n" + line2[:line2_index] + flipped + line2[line2_index + 1 :]


def jpeg_of(image: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(image).save(out, format="JPEG", quality=92)
    return out.getvalue()


# --- thin fault injectors around the real matcher ------------------------------------


class WrappedMatcher:
    """The real matcher, asked for real; subclasses tamper with what comes back."""

    def __init__(self, inner: InProcessMatcher) -> None:
        self._inner = inner

    def check(
        self,
        *,
        document: TravelDocument,
        live_face: FaceTemplate,
        portrait_face: FaceTemplate,
        fingers: tuple[FingerprintTemplate, ...] = (),
        timeout: float,
    ) -> MatchResponse:
        response = self._inner.check(
            document=document, live_face=live_face, portrait_face=portrait_face,
            fingers=fingers, timeout=timeout,
        )
        return self.reply(response)

    def reply(self, response: MatchResponse) -> MatchResponse:
        """What the lane receives for the matcher's ``response``."""
        return response

    def report_crossing(
        self, *, transaction_id: str, crossed: bool, crossed_at: float, timeout: float
    ) -> CrossingAck:
        return self._inner.report_crossing(
            transaction_id=transaction_id, crossed=crossed, crossed_at=crossed_at, timeout=timeout
        )


class LateReplyMatcher(WrappedMatcher):
    """The real matcher decides, but its reply arrives after the deadline."""

    def reply(self, response: MatchResponse) -> MatchResponse:
        raise RpcTimeout("no reply before the deadline")


class AnnotatingMatcher(WrappedMatcher):
    """The real matcher's reply, with an extra reason attached (an inconsistent ACCEPT)."""

    def reply(self, response: MatchResponse) -> MatchResponse:
        return response.model_copy(update={"reasons": (*response.reasons, Reason.INTERNAL_ERROR)})


class RefusingMatcher(WrappedMatcher):
    """The real matcher was asked, but the client got an ErrorReply back."""

    def reply(self, response: MatchResponse) -> MatchResponse:
        raise MatcherRefusedError("matcher error: internal_error")


class LostAckMatcher(WrappedMatcher):
    """The real matcher records the first crossing report, but its ack is lost."""

    def __init__(self, inner: InProcessMatcher) -> None:
        super().__init__(inner)
        self.lost = 0

    def report_crossing(
        self, *, transaction_id: str, crossed: bool, crossed_at: float, timeout: float
    ) -> CrossingAck:
        ack = super().report_crossing(
            transaction_id=transaction_id, crossed=crossed, crossed_at=crossed_at, timeout=timeout
        )
        if self.lost == 0:
            self.lost += 1
            raise RpcTimeout("crossing ack lost")
        return ack


# --- 1. the happy path ---------------------------------------------------------------


def test_eligible_traveller_passes_once_and_ees_entry_is_recorded_once(lane: Lane) -> None:
    traveller = eligible(lane)
    service = lane.service()

    outcome, walked = serve(lane, service, traveller)

    assert outcome.outcome == "passed", outcome.reasons
    assert outcome.reasons == ()
    assert outcome.decision is Decision.ACCEPT
    assert outcome.traveller_message == "Please proceed"
    assert walked
    assert lane.gate.exit_openings == 1
    assert lane.gate.wait_exit(False, 2.0)
    port = lane.matcher.port
    assert port.checks == 1
    txn = port.responses[0].transaction_id
    assert outcome.transaction_id == txn
    assert len(service.pending) == 0
    assert [(r.transaction_id, r.crossed) for r in port.reports] == [(txn, True)]
    assert [(a.recorded, a.duplicate) for a in port.acks] == [(True, False)]
    assert lane.matcher.ees_entries(txn) == 1
    assert lane.matcher.transaction_closure(txn) == (True, 1)
    stages = {"chip_check", "portrait_template", "face_capture", "face_verify", "finger_capture"}
    assert stages | {"document_to_decision", "decision_round_trip", "passage"} <= set(
        outcome.timings_ms
    )
    request = port.requests[0]
    assert sorted(f.position for f in request.fingers) == [2, 3, 4, 5]
    assert request.live_face.quality, "quality scores travel with the live template"
    assert port.responses[0].fingers_matched is not None
    assert port.responses[0].fingers_matched >= 2
    assert_wiped(lane, frames_expected=True, fingers_expected=True)
    assert_no_personal_data(outcome, traveller.document)


def test_lost_crossing_ack_is_resent_and_recorded_once(lane: Lane) -> None:
    traveller = eligible(lane)
    service = lane.service(LostAckMatcher(lane.matcher.port))

    outcome, walked = serve(lane, service, traveller)

    assert outcome.outcome == "passed", outcome.reasons
    assert walked
    txn = lane.matcher.port.responses[0].transaction_id
    assert len(service.pending) == 1  # kept until acknowledged
    assert lane.matcher.ees_entries(txn) == 1
    # the next traveller (here: a closed lane) flushes the pending report first
    service.open_for_travellers = False
    closed, _ = serve(lane, service, traveller)
    assert closed.reasons == (LaneReason.LANE_CLOSED.value,)
    assert len(service.pending) == 0
    port = lane.matcher.port
    assert [(r.transaction_id, r.crossed) for r in port.reports] == [(txn, True), (txn, True)]
    assert [(a.recorded, a.duplicate) for a in port.acks] == [(True, False), (True, True)]
    assert lane.matcher.ees_entries(txn) == 1
    assert lane.gate.exit_openings == 1
    assert port.checks == 1


# --- 2./3. the document --------------------------------------------------------------


def test_expired_document_is_referred_without_asking_the_matcher(lane: Lane) -> None:
    expired = composed_mrz(expiry=dt.date.today() - dt.timedelta(days=30))
    service = lane.service()

    outcome, walked = serve(
        lane,
        service,
        eligible(lane),
        mrz_text=expired,
        portrait=lane.site.face_bytes("obama.jpg"),
    )

    assert_referred(outcome, LaneReason.DOCUMENT_EXPIRED.value, None)
    assert lane.matcher.port.checks == 0
    assert lane.matcher.port.reports == []
    assert_exit_never_opened(lane, walked)
    assert "EX1234567" not in repr(outcome) and "EXPIREDSON" not in repr(outcome)


# positions in TD3 line 2: document number, birth date, expiry date, composite check digits
@pytest.mark.parametrize(
    "position", [9, 19, 27, 43], ids=["number", "birth", "expiry", "composite"]
)
def test_flipped_check_digit_is_mrz_invalid(lane: Lane, position: int) -> None:
    traveller = eligible(lane)
    service = lane.service()

    outcome, walked = serve(
        lane, service, traveller, mrz_text=flip_digit(traveller.mrz_text, position)
    )

    assert_referred(outcome, LaneReason.MRZ_INVALID.value, None)
    assert lane.matcher.port.checks == 0
    assert_exit_never_opened(lane, walked)
    assert_no_personal_data(outcome, traveller.document)


def test_mrz_of_the_wrong_shape_is_mrz_invalid(lane: Lane) -> None:
    service = lane.service()

    outcome, walked = serve(lane, service, eligible(lane), mrz_text="P<USASHORT\nAB12345678")

    assert_referred(outcome, LaneReason.MRZ_INVALID.value, None)
    assert lane.matcher.port.checks == 0
    assert_exit_never_opened(lane, walked)


def test_garbage_from_the_reader_is_document_unreadable(lane: Lane) -> None:
    service = lane.service()
    lane.reader.present_raw(b"MRZ 2\r\n\x01\x02garbage\r\n")

    outcome = service.process_traveller(document_timeout=DOCUMENT_TIMEOUT_S)

    assert_referred(outcome, LaneReason.DOCUMENT_UNREADABLE.value, None)
    assert lane.matcher.port.checks == 0
    assert_exit_never_opened(lane, walked=False)


def test_expiry_with_bad_check_digit_is_mrz_invalid_not_expired(lane: Lane) -> None:
    expired = flip_digit(composed_mrz(expiry=dt.date.today() - dt.timedelta(days=30)), 27)
    service = lane.service()

    outcome, walked = serve(
        lane,
        service,
        eligible(lane),
        mrz_text=expired,
        portrait=lane.site.face_bytes("obama.jpg"),
    )

    assert_exit_never_opened(lane, walked)
    assert_referred(outcome, LaneReason.MRZ_INVALID.value, None)


@pytest.mark.parametrize("portrait", ["garbage", "faceless"])
def test_unusable_portrait_is_referred(lane: Lane, portrait: str) -> None:
    """``faceless``: a genuine chip whose DG2 shows no face; ``garbage``: a lane that accepts
    chipless documents, and a printed portrait that is not an image."""
    wall = np.full((480, 360, 3), 200, dtype=np.uint8)
    data = b"\x00not a jpeg at all" * 64 if portrait == "garbage" else jpeg_of(wall)
    traveller = eligible(lane)
    service = lane.service(chip_required=portrait != "garbage")

    outcome, walked = serve(lane, service, traveller, portrait=data)

    assert_referred(outcome, LaneReason.PORTRAIT_UNUSABLE.value, None)
    assert lane.matcher.port.checks == 0
    assert lane.recording_camera.frames == []  # no live capture before the portrait is usable
    assert_exit_never_opened(lane, walked)
    if portrait == "faceless":
        assert_wiped(lane, frames_expected=False)
    assert_no_personal_data(outcome, traveller.document)


# --- 4. the camera -------------------------------------------------------------------


@pytest.mark.parametrize("fault", ["corrupt", "timeout"])
def test_camera_fault_is_referred(lane: Lane, fault: str) -> None:
    traveller = eligible(lane)
    service = lane.service()
    lane.camera.inject_fault(fault)  # type: ignore[arg-type]

    outcome, walked = serve(lane, service, traveller)

    assert_referred(outcome, LaneReason.CAMERA_FAULT.value, None)
    assert lane.matcher.port.checks == 0
    assert_exit_never_opened(lane, walked)
    assert_wiped(lane, frames_expected=False)  # the portrait at least
    assert_no_personal_data(outcome, traveller.document)


def test_nobody_in_front_of_the_camera_is_no_live_face(lane: Lane) -> None:
    traveller = eligible(lane)
    service = lane.service()
    lane.arrive(traveller)
    lane.camera.present_nobody()
    try:
        outcome = service.process_traveller(document_timeout=DOCUMENT_TIMEOUT_S)
    finally:
        walked = lane.leave()

    assert_referred(outcome, LaneReason.NO_LIVE_FACE.value, None)
    assert lane.matcher.port.checks == 0
    assert_exit_never_opened(lane, walked)
    assert_wiped(lane, frames_expected=True)
    assert_no_personal_data(outcome, traveller.document)


# --- 5. the matcher ------------------------------------------------------------------


def test_matcher_timeout_refers_even_if_the_matcher_accepted(lane: Lane) -> None:
    traveller = eligible(lane)
    service = lane.service(LateReplyMatcher(lane.matcher.port))

    outcome, walked = serve(lane, service, traveller)

    assert_referred(outcome, LaneReason.MATCHER_TIMEOUT.value, None)
    port = lane.matcher.port
    assert port.checks == 1
    assert port.responses[0].decision is Decision.ACCEPT  # the decision that came too late
    assert port.reports == []
    assert lane.matcher.ees_entries(port.responses[0].transaction_id) == 0
    assert_exit_never_opened(lane, walked)
    assert_wiped(lane, frames_expected=True)
    assert_no_personal_data(outcome, traveller.document)


@pytest.mark.parametrize("matcher_kind", ["accept_with_reason", "error_reply"])
def test_inconsistent_or_error_reply_is_matcher_error(lane: Lane, matcher_kind: str) -> None:
    traveller = eligible(lane)
    wrapper: MatcherPort = (
        AnnotatingMatcher(lane.matcher.port)
        if matcher_kind == "accept_with_reason"
        else RefusingMatcher(lane.matcher.port)
    )
    service = lane.service(wrapper)

    outcome, walked = serve(lane, service, traveller)

    assert_referred(outcome, LaneReason.MATCHER_ERROR.value, None)
    assert lane.matcher.port.checks == 1
    assert lane.matcher.port.responses[0].decision is Decision.ACCEPT
    assert lane.matcher.port.reports == []
    assert_exit_never_opened(lane, walked)
    assert_wiped(lane, frames_expected=True)
    assert_no_personal_data(outcome, traveller.document)


# --- 6. the gate ---------------------------------------------------------------------


def test_gate_cable_unplugged_is_gate_fault(lane: Lane) -> None:
    traveller = eligible(lane)
    service = lane.service()
    lane.gate.cable_connected = False

    outcome, walked = serve(lane, service, traveller)

    assert_referred(outcome, LaneReason.GATE_FAULT.value, Decision.ACCEPT)
    port = lane.matcher.port
    assert port.checks == 1
    assert outcome.transaction_id == port.responses[0].transaction_id
    assert lane.matcher.ees_entries(port.responses[0].transaction_id) == 0
    assert_exit_never_opened(lane, walked)
    assert_wiped(lane, frames_expected=True)
    assert_no_personal_data(outcome, traveller.document)


def test_link_lost_during_passage_does_not_erase_the_crossing(short_window_lane: Lane) -> None:
    lane = short_window_lane
    unplugged = threading.Event()

    def unplug_once_open(step: LaneStep) -> None:
        if step is LaneStep.TRAVELLER_PASSING:  # the gate has ACKed: the exit is open
            lane.gate.cable_connected = False
            unplugged.set()

    def walk_after_unplug() -> None:
        if unplugged.wait(10.0):
            lane.gate.walk_through()

    service = lane.service(on_step=unplug_once_open)
    walker = threading.Thread(target=walk_after_unplug, daemon=True)
    walker.start()
    outcome, _ = serve(lane, service, eligible(lane), walk=False)
    walker.join(10.0)

    assert unplugged.is_set()
    assert lane.gate.exit_openings == 1  # the gate did let the traveller through
    assert outcome.reasons == (LaneReason.PASSAGE_UNKNOWN.value,)
    txn = lane.matcher.port.responses[0].transaction_id
    # the lane cannot know, so it must not close the transaction as "not crossed":
    # it stays open for a guard to settle, and nothing is left pending at the kiosk
    assert lane.matcher.transaction_closure(txn) == (False, None)
    assert lane.matcher.ees_entries(txn) == 0
    assert lane.matcher.port.reports == []


# --- 7. the traveller who never walks through ----------------------------------------


def test_traveller_who_never_walks_through_is_no_passage(short_window_lane: Lane) -> None:
    lane = short_window_lane
    traveller = eligible(lane)
    service = lane.service()
    open_for: list[float] = []

    def watch_exit() -> None:
        if lane.gate.wait_exit(True, 15.0):
            opened = time.monotonic()
            if lane.gate.wait_exit(False, 10.0):
                open_for.append(time.monotonic() - opened)

    watcher = threading.Thread(target=watch_exit, daemon=True)
    watcher.start()

    outcome, walked = serve(lane, service, traveller, walk=False)
    watcher.join(12.0)

    assert_referred(outcome, LaneReason.NO_PASSAGE.value, Decision.ACCEPT)
    assert not walked
    assert lane.gate.exit_openings == 1
    assert not lane.gate.exit_open
    # the firmware locked on its own after the window, before the kiosk gave up
    assert len(open_for) == 1
    assert 1.0 < open_for[0] < lane.settings.passage_timeout_s - 0.5
    port = lane.matcher.port
    txn = port.responses[0].transaction_id
    assert outcome.transaction_id == txn
    assert [(r.transaction_id, r.crossed) for r in port.reports] == [(txn, False)]
    assert [a.recorded for a in port.acks] == [True]
    assert len(service.pending) == 0
    assert lane.matcher.ees_entries(txn) == 0
    assert lane.matcher.transaction_closure(txn) == (True, 0)
    assert_wiped(lane, frames_expected=True)
    assert_no_personal_data(outcome, traveller.document)


# --- 8. the lane is closed -----------------------------------------------------------


def test_closed_lane_refers_without_asking_the_matcher(lane: Lane) -> None:
    traveller = eligible(lane)
    service = lane.service()
    service.open_for_travellers = False

    outcome, walked = serve(lane, service, traveller)

    assert_referred(outcome, LaneReason.LANE_CLOSED.value, None)
    assert lane.matcher.port.checks == 0
    assert lane.templater.images == []  # no biometric capture on a closed lane
    assert lane.recording_camera.frames == []
    assert_exit_never_opened(lane, walked)
    assert_no_personal_data(outcome, traveller.document)


# --- 9. the matcher refers -----------------------------------------------------------


@pytest.mark.parametrize("archetype", ["sis_hit", "overstayer", "etias_absent"])
def test_referred_archetype_gets_its_reasons_and_the_exit_stays_shut(
    lane: Lane, archetype: str
) -> None:
    traveller = lane.site.population.by_archetype(archetype)
    assert traveller.expected_decision is Decision.REFER
    service = lane.service()

    outcome, walked = serve(lane, service, traveller)

    assert outcome.outcome == "referred"
    assert outcome.decision is Decision.REFER
    assert outcome.reasons == tuple(r.value for r in traveller.expected_reasons)
    port = lane.matcher.port
    assert port.checks == 1
    assert outcome.transaction_id == port.responses[0].transaction_id
    assert port.reports == []
    assert lane.matcher.ees_entries(port.responses[0].transaction_id) == 0
    assert_exit_never_opened(lane, walked)
    assert_wiped(lane, frames_expected=True)
    assert_no_personal_data(outcome, traveller.document)

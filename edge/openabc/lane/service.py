"""One lane: document → MRZ → chip → face (quality, PAD, 1:1 with the chip) → fingers
→ matcher → gate → EES record.

The procedure is a straight list of steps. Every failure path ends in a
referral with the exit left shut: the only route to ``open_exit`` is an
ACCEPT for this kiosk, received before its deadline. Captured images and
templates are wiped as soon as the decision is taken.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from openabc.config import LaneSettings
from openabc.hal.base import DocumentReader, DocumentScan, Frame
from openabc.hal.device_errors import DeviceError, DeviceTimeout
from openabc.hal.images import decode_image
from openabc.inference.face_errors import FaceCaptureError
from openabc.lane.crossings import PendingCrossings
from openabc.lane.face_verification import FaceVerifier
from openabc.lane.outcome import LaneReason, TravellerOutcome, session_tag
from openabc.lane.ports import (
    ChipVerifier,
    FaceTemplater,
    FingerCapturePort,
    GatePort,
    LiveFaceCapture,
    MatcherPort,
)
from openabc.lane.referral import Referral
from openabc.lane.steps import LaneStep
from openabc.messages import (
    Decision,
    FaceTemplate,
    FingerprintTemplate,
    MatchResponse,
    TravelDocument,
)
from openabc.mrz import MrzFormatError, parse_mrz

logger = logging.getLogger(__name__)
_T = TypeVar("_T")


@dataclass
class _Capture:
    """Everything biometric of one session, kept in one place so it can be wiped."""

    images: list[np.ndarray] = field(default_factory=list)

    def wipe(self) -> None:
        for image in self.images:
            image.fill(0)
        self.images.clear()


@dataclass(frozen=True)
class LaneDevices:
    """The peripherals and services one lane drives (injected, never built here)."""

    reader: DocumentReader
    chip: ChipVerifier
    portrait: FaceTemplater
    face_capture: LiveFaceCapture
    face_verifier: FaceVerifier
    matcher: MatcherPort
    gate: GatePort
    fingers: FingerCapturePort | None = None
    """None on a lane configured without a fingerprint scanner (face only)."""


class LaneService:
    """Processes travellers one at a time on one lane."""

    def __init__(
        self,
        settings: LaneSettings,
        devices: LaneDevices,
        *,
        today: Callable[[], dt.date] = dt.date.today,
        clock: Callable[[], float] = time.time,
        on_step: Callable[[LaneStep], None] | None = None,
    ) -> None:
        self._settings = settings
        self._devices = devices
        self._today = today
        self._clock = clock
        self._on_step = on_step
        self._salt = secrets.token_bytes(16)
        self.open_for_travellers = True
        self.step = LaneStep.IDLE
        self.pending = PendingCrossings(devices.matcher)

    def _enter(self, step: LaneStep) -> None:
        self.step = step
        if self._on_step is not None:
            self._on_step(step)

    def process_traveller(self, document_timeout: float = 30.0) -> TravellerOutcome:
        """Serve the next traveller at the reader; never raises for traveller errors."""
        self.pending.flush(timeout=self._settings.decision_timeout_s)
        session = session_tag(uuid.uuid4().hex, self._salt)
        timings: dict[str, float] = {}
        capture = _Capture()
        self._enter(LaneStep.WAITING_FOR_DOCUMENT)
        try:
            scan = self._devices.reader.read_document(document_timeout)
        except DeviceTimeout:
            self._enter(LaneStep.IDLE)
            return TravellerOutcome(session=session, outcome="no_traveller")
        except DeviceError:
            logger.warning("lane %s session %s: document reader fault", self._lane, session)
            return self._refer(session, (LaneReason.DOCUMENT_UNREADABLE,), timings)
        started = time.perf_counter()
        try:
            if not self.open_for_travellers:
                raise Referral(LaneReason.LANE_CLOSED)
            document = self._validate_document(scan.mrz_text)
            reference = self._timed("chip_check", timings, self._reference_face, scan, capture)
            portrait = self._portrait_template(reference, timings)
            live = self._live_face(capture, timings)
            self._timed("face_verify", timings, self._devices.face_verifier.verify, live, portrait)
            fingers = self._fingers(capture, timings)
            response = self._decide(document, live, portrait, fingers, timings)
        except Referral as referral:
            timings["document_to_decision"] = _ms_since(started)
            return self._refer(session, referral.reasons, timings)
        finally:
            capture.wipe()
        timings["document_to_decision"] = _ms_since(started)
        if response.decision is not Decision.ACCEPT:
            return self._refer(session, tuple(response.reasons), timings, response)
        return self._let_through(session, response, timings)

    @property
    def _lane(self) -> str:
        return self._settings.lane_id

    def _validate_document(self, mrz_text: str) -> TravelDocument:
        self._enter(LaneStep.CHECKING_DOCUMENT)
        try:
            mrz = parse_mrz(mrz_text, today=self._today())
        except MrzFormatError as err:
            raise Referral(LaneReason.MRZ_INVALID) from err
        if set(mrz.errors) - {"document_expired"}:
            raise Referral(LaneReason.MRZ_INVALID)  # a misread date proves nothing
        if mrz.errors:
            raise Referral(LaneReason.DOCUMENT_EXPIRED)
        return mrz.to_travel_document()

    def _reference_face(self, scan: DocumentScan, capture: _Capture) -> Frame:
        """The face to compare with: the chip's when authenticated, else the printed one."""
        self._enter(LaneStep.CHECKING_CHIP)
        image = self._devices.chip.verify(scan, scan.mrz_text)
        if image is None:
            try:
                image = decode_image(scan.portrait_jpeg)
            except DeviceError as err:
                raise Referral(LaneReason.PORTRAIT_UNUSABLE) from err
        capture.images.append(image)
        return image

    def _portrait_template(self, image: Frame, timings: dict[str, float]) -> FaceTemplate:
        self._enter(LaneStep.CAPTURING_FACE)
        started = time.perf_counter()
        try:
            portrait, _ = self._devices.portrait.template(image)
        except FaceCaptureError as err:
            raise Referral(LaneReason.PORTRAIT_UNUSABLE) from err
        timings["portrait_template"] = _ms_since(started)
        return portrait

    def _live_face(self, capture: _Capture, timings: dict[str, float]) -> FaceTemplate:
        """Quality-checked, PAD-checked live template (``Referral`` otherwise)."""
        started = time.perf_counter()
        try:
            live = self._devices.face_capture.capture(capture.images)
        finally:
            timings["face_capture"] = _ms_since(started)
        timings.update({f"face.{stage}": ms for stage, ms in live.stage_ms.items()})
        timings["face_attempts"] = float(live.attempts)
        return live.template

    def _fingers(
        self, capture: _Capture, timings: dict[str, float]
    ) -> tuple[FingerprintTemplate, ...]:
        if self._devices.fingers is None:
            return ()
        self._enter(LaneStep.CAPTURING_FINGERS)
        return self._timed("finger_capture", timings, self._devices.fingers.capture, capture.images)

    @staticmethod
    def _timed(name: str, timings: dict[str, float], step: Callable[..., _T], *args: Any) -> _T:
        started = time.perf_counter()
        try:
            return step(*args)
        finally:
            timings[name] = _ms_since(started)

    def _decide(
        self,
        document: TravelDocument,
        live: FaceTemplate,
        portrait: FaceTemplate,
        fingers: tuple[FingerprintTemplate, ...],
        timings: dict[str, float],
    ) -> MatchResponse:
        self._enter(LaneStep.AWAITING_DECISION)
        started = time.perf_counter()
        try:
            response = self._devices.matcher.check(
                document=document,
                live_face=live,
                portrait_face=portrait,
                fingers=fingers,
                timeout=self._settings.decision_timeout_s,
            )
        except TimeoutError as err:
            raise Referral(LaneReason.MATCHER_TIMEOUT) from err
        except Exception as err:
            logger.error("lane %s: matcher request failed: %s", self._lane, type(err).__name__)
            raise Referral(LaneReason.MATCHER_ERROR) from err
        finally:
            timings["decision_round_trip"] = _ms_since(started)
        if response.decision is Decision.ACCEPT and response.reasons:
            raise Referral(LaneReason.MATCHER_ERROR)
        return response

    def _let_through(
        self, session: str, response: MatchResponse, timings: dict[str, float]
    ) -> TravellerOutcome:
        self._enter(LaneStep.OPENING_GATE)
        gate = self._devices.gate
        txn = response.transaction_id
        try:
            gate.open_exit(bytes.fromhex(txn)[:8], self._settings.exit_open_window_ms)
        except Exception as err:
            logger.error("lane %s: gate did not open: %s", self._lane, type(err).__name__)
            self._lock_quietly()
            return self._refer(session, (LaneReason.GATE_FAULT,), timings, response)
        self._enter(LaneStep.TRAVELLER_PASSING)
        started = time.perf_counter()
        try:
            crossed = gate.wait_passage(self._settings.passage_timeout_s)
        except Exception as err:
            # The exit was open and we lost sight of it: do not tell the matcher
            # "not crossed". The transaction stays open for a guard to settle.
            logger.error("lane %s: passage unknown: %s", self._lane, type(err).__name__)
            timings["passage"] = _ms_since(started)
            return self._refer(session, (LaneReason.PASSAGE_UNKNOWN,), timings, response)
        timings["passage"] = _ms_since(started)
        if not crossed:
            self._lock_quietly()
        self.pending.submit(txn, crossed=crossed, crossed_at=self._clock())
        self.pending.flush(timeout=self._settings.decision_timeout_s)
        if not crossed:
            return self._refer(session, (LaneReason.NO_PASSAGE,), timings, response)
        self._enter(LaneStep.IDLE)
        outcome = TravellerOutcome(
            session=session,
            outcome="passed",
            decision=response.decision,
            transaction_id=txn,
            timings_ms=timings,
        )
        logger.info("lane %s session %s: passed", self._lane, session)
        return outcome

    def _refer(
        self,
        session: str,
        reasons: tuple[str, ...],
        timings: dict[str, float],
        response: MatchResponse | None = None,
    ) -> TravellerOutcome:
        self._lock_quietly()
        self._enter(LaneStep.REFERRED)
        logger.info("lane %s session %s: referred (%s)", self._lane, session, ",".join(reasons))
        return TravellerOutcome(
            session=session,
            outcome="referred",
            reasons=tuple(str(r) for r in reasons),
            decision=response.decision if response else None,
            transaction_id=response.transaction_id if response else None,
            timings_ms=timings,
        )

    def _lock_quietly(self) -> None:
        try:
            self._devices.gate.lock()
        except Exception as err:
            logger.error("lane %s: gate lock failed: %s", self._lane, type(err).__name__)


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0

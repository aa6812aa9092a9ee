"""Builds one lane's capture steps from the typed settings and the injected devices.

Why: the emulated lane, the production lane and the tests must wire chip,
face and finger capture identically (same thresholds, same attempts), so the
wiring lives in one function and only the devices differ.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from openabc.config import LaneSettings, OpenAbcSettings
from openabc.fingerprint.emulated_scanner import FingerprintScanner
from openabc.fingerprint.extractor import MinutiaeExtractor
from openabc.hal.base import Camera
from openabc.inference.face_pipeline import FacePipeline, LivenessCheck
from openabc.lane.chip_check import ChipCheck, load_trust_list
from openabc.lane.face_capture import FaceCapture
from openabc.lane.face_verification import FaceVerifier
from openabc.lane.finger_capture import FingerCapture

Guidance = Callable[[str], None]


@dataclass(frozen=True)
class CaptureSteps:
    """The kiosk-side checks of one lane, ready for ``LaneDevices``."""

    chip: ChipCheck
    face_capture: FaceCapture
    face_verifier: FaceVerifier
    fingers: FingerCapture | None


def utc_today() -> dt.date:
    """Chip and certificate dates are compared in UTC, like the certificates themselves."""
    return dt.datetime.now(dt.UTC).date()


def build_capture_steps(
    settings: OpenAbcSettings,
    lane: LaneSettings,
    *,
    pipeline: FacePipeline,
    liveness: LivenessCheck,
    camera: Camera,
    scanner: FingerprintScanner | None,
    guidance: Guidance | None = None,
    today: Callable[[], dt.date] = utc_today,
) -> CaptureSteps:
    """Chip check, face capture, kiosk 1:1 and finger capture as ``lane`` configures them."""
    chip = ChipCheck(load_trust_list(settings.trust), required=lane.chip_required, today=today)
    face_capture = FaceCapture(
        camera,
        pipeline,
        liveness,
        attempts=lane.face_capture_attempts,
        frames_per_attempt=lane.capture_frames,
        guidance=guidance,
    )
    verifier = FaceVerifier(pipeline.model_id, pipeline.model_version, pipeline.verify_distance)
    fingers = None
    if lane.capture_fingers:
        if scanner is None:
            raise ValueError(f"lane {lane.lane_id} captures fingers but has no scanner")
        fingers = FingerCapture(
            scanner,
            MinutiaeExtractor(),
            attempts=lane.finger_capture_attempts,
            min_quality=lane.min_finger_quality,
            guidance=guidance,
        )
    return CaptureSteps(chip, face_capture, verifier, fingers)

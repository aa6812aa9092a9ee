"""FaceCapture: quality retry loop with guidance, PAD veto, faults, session images."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from openabc.hal.base import Frame
from openabc.hal.emulated_camera import EmulatedCamera
from openabc.inference.detector import FaceDetection
from openabc.inference.errors import ModelError
from openabc.inference.face_pipeline import STAGES, FacePipeline, build_face_pipeline
from openabc.lane.face_capture import GUIDANCE, FaceCapture, HandcraftedLiveness, LiveFace
from openabc.lane.referral import Referral
from openabc.pad.decision import PadDecision

ROOT = Path(__file__).resolve().parents[2]
QUALITY_MEASURES = {
    "one_face",
    "face_size",
    "pose",
    "exposure",
    "contrast",
    "sharpness",
    "eyes_visible",
}


class RecordingCamera:
    """The emulated camera; keeps every frame it handed out."""

    def __init__(self, camera: EmulatedCamera) -> None:
        self.camera = camera
        self.frames: list[Frame] = []

    def capture(self, count: int, timeout: float) -> list[Frame]:
        frames = self.camera.capture(count, timeout)
        self.frames.extend(frames)
        return frames


class CountingLiveness(HandcraftedLiveness):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def assess(self, frames: Sequence[Frame], faces: Sequence[FaceDetection]) -> PadDecision:
        self.calls += 1
        return super().assess(frames, faces)


@pytest.fixture(scope="module")
def pipeline() -> FacePipeline:
    return build_face_pipeline(ROOT / "models", threads=1)


@pytest.fixture(scope="module")
def traveller(pipeline: FacePipeline) -> tuple[np.ndarray, np.ndarray]:
    photo = np.asarray(Image.open(ROOT / "seeds" / "faces" / "obama.jpg").convert("RGB"))
    return photo, pipeline.detect_subject(photo).landmarks


def _capture(
    pipeline: FacePipeline, camera: EmulatedCamera, attempts: int = 3
) -> tuple[FaceCapture, RecordingCamera, list[str], CountingLiveness]:
    recording = RecordingCamera(camera)
    said: list[str] = []
    liveness = CountingLiveness()
    capture = FaceCapture(
        recording, pipeline, liveness, attempts=attempts, frames_per_attempt=6, guidance=said.append
    )
    return capture, recording, said, liveness


def test_good_traveller_on_first_attempt(
    pipeline: FacePipeline,
    traveller: tuple[np.ndarray, np.ndarray],
    caplog: pytest.LogCaptureFixture,
) -> None:
    camera = EmulatedCamera(rng_seed=1)
    camera.present(*traveller)
    capture, recording, said, _ = _capture(pipeline, camera)
    session: list[Frame] = []
    with caplog.at_level(logging.DEBUG):
        live = capture.capture(session)
    assert isinstance(live, LiveFace)
    assert live.attempts == 1 and said == []
    assert 0.0 <= live.pad_score < 0.5
    assert len(live.template.vector) == 128
    assert set(live.template.quality) == QUALITY_MEASURES
    assert all(score >= 50.0 for score in live.template.quality.values())
    assert list(live.stage_ms) == list(STAGES)
    assert all(ms > 0.0 for ms in live.stage_ms.values())
    assert len(session) == 6 and all(a is b for a, b in zip(session, recording.frames, strict=True))
    values = [f"{v:.4f}" for v in live.template.vector[:8]]
    assert not any(v in caplog.text for v in values)  # nothing biometric in the logs


def test_poor_attempt_is_retried_with_guidance(
    pipeline: FacePipeline, traveller: tuple[np.ndarray, np.ndarray]
) -> None:
    camera = EmulatedCamera(rng_seed=2)
    camera.present(*traveller)
    camera.present_conditions(["far", "good"])
    capture, recording, said, liveness = _capture(pipeline, camera)
    session: list[Frame] = []
    live = capture.capture(session)
    assert live.attempts == 2
    assert said == ["STEP_CLOSER"] and GUIDANCE[said[0]] == "step closer"
    assert liveness.calls == 1  # only the attempt that passed quality
    assert len(session) == 12 and all(
        a is b for a, b in zip(session, recording.frames, strict=True)
    )


def test_poor_quality_is_referred_after_bounded_attempts(
    pipeline: FacePipeline, traveller: tuple[np.ndarray, np.ndarray]
) -> None:
    camera = EmulatedCamera(rng_seed=3)
    camera.present(*traveller, condition="turned")
    capture, _, said, liveness = _capture(pipeline, camera, attempts=2)
    session: list[Frame] = []
    with pytest.raises(Referral) as info:
        capture.capture(session)
    assert info.value.reasons == ("face_quality_insufficient",)
    assert said == ["LOOK_STRAIGHT"]  # before the retry, not before the referral
    assert GUIDANCE[said[0]] == "look straight at the camera"
    assert liveness.calls == 0 and len(session) == 12


@pytest.mark.parametrize("species", ["print", "screen"])
def test_attacks_are_vetoed(
    pipeline: FacePipeline, traveller: tuple[np.ndarray, np.ndarray], species: str
) -> None:
    camera = EmulatedCamera(rng_seed=4)
    camera.present(*traveller, species=species)  # type: ignore[arg-type]
    capture, _, _, _ = _capture(pipeline, camera)
    session: list[Frame] = []
    with pytest.raises(Referral) as info:
        capture.capture(session)
    assert info.value.reasons == ("presentation_attack",)
    assert len(session) == 6


def test_nobody_in_front_of_the_camera(pipeline: FacePipeline) -> None:
    camera = EmulatedCamera(rng_seed=5)
    camera.present_nobody()
    capture, _, said, _ = _capture(pipeline, camera, attempts=2)
    session: list[Frame] = []
    with pytest.raises(Referral) as info:
        capture.capture(session)
    assert info.value.reasons == ("no_live_face",)
    assert said == ["NO_FACE"] and len(session) == 12


@pytest.mark.parametrize("fault", ["timeout", "corrupt"])
def test_camera_fault_is_referred(
    pipeline: FacePipeline, traveller: tuple[np.ndarray, np.ndarray], fault: str
) -> None:
    camera = EmulatedCamera(rng_seed=6)
    camera.present(*traveller)
    camera.inject_fault(fault)  # type: ignore[arg-type]
    capture, _, _, _ = _capture(pipeline, camera)
    with pytest.raises(Referral) as info:
        capture.capture([])
    assert info.value.reasons == ("camera_fault",)


class BrokenLiveness:
    def assess(self, frames: Sequence[Frame], faces: Sequence[FaceDetection]) -> PadDecision:
        raise ModelError("pad model returned garbage")


def test_broken_pad_model_is_referred(
    pipeline: FacePipeline, traveller: tuple[np.ndarray, np.ndarray]
) -> None:
    camera = EmulatedCamera(rng_seed=7)
    camera.present(*traveller)
    capture = FaceCapture(camera, pipeline, BrokenLiveness())
    with pytest.raises(Referral) as info:
        capture.capture([])
    assert info.value.reasons == ("face_model_error",)


def test_bad_arguments(pipeline: FacePipeline) -> None:
    camera, liveness = EmulatedCamera(rng_seed=0), HandcraftedLiveness()
    with pytest.raises(ValueError):
        FaceCapture(camera, pipeline, liveness, attempts=0)
    with pytest.raises(ValueError):
        FaceCapture(camera, pipeline, liveness, frames_per_attempt=1)  # PAD needs a sequence

"""Named, timed stages over an emulated capture attempt, and the debug sink's contract."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from openabc.hal.emulated_camera import EmulatedCamera
from openabc.inference.debug_sink import LoggingSink, NullSink, scalar_scores
from openabc.inference.detector import FaceDetection
from openabc.inference.face_errors import NoFaceError
from openabc.inference.face_pipeline import (
    FRAME_STAGES,
    STAGES,
    FacePipeline,
    SequenceResult,
    build_face_pipeline,
)
from openabc.pad.decision import PadDecision, assess_presentation

ROOT = Path(__file__).resolve().parents[2]


class PadLiveness:
    def assess(self, frames: Sequence[np.ndarray], faces: Sequence[FaceDetection]) -> PadDecision:
        return assess_presentation(frames, faces)


@dataclass
class Verdict:
    is_attack: bool
    fused_score: float


class FixedLiveness:
    """Records what it was given; answers a fixed verdict."""

    def __init__(self, attack: bool) -> None:
        self.attack = attack
        self.calls: list[tuple[int, int]] = []

    def assess(self, frames: Sequence[np.ndarray], faces: Sequence[FaceDetection]) -> Verdict:
        self.calls.append((len(frames), len(faces)))
        return Verdict(self.attack, 0.9 if self.attack else 0.1)


class RecordingSink:
    def __init__(self) -> None:
        self.calls: list[tuple[object, object, object]] = []

    def stage(self, name: str, ms: float, scores: Mapping[str, float]) -> None:
        self.calls.append((name, ms, scores))


@pytest.fixture(scope="module")
def pipeline() -> FacePipeline:
    return build_face_pipeline(ROOT / "models", threads=1)


@pytest.fixture(scope="module")
def photo_and_landmarks(pipeline: FacePipeline) -> tuple[np.ndarray, np.ndarray]:
    photo = np.asarray(Image.open(ROOT / "seeds" / "faces" / "obama.jpg").convert("RGB"))
    return photo, pipeline.detect_subject(photo).landmarks


@pytest.fixture(scope="module")
def good_frames(photo_and_landmarks: tuple[np.ndarray, np.ndarray]) -> list[np.ndarray]:
    camera = EmulatedCamera(rng_seed=11)
    camera.present(*photo_and_landmarks)
    return camera.capture(6, timeout=1.0)


def test_stage_names_in_order(pipeline: FacePipeline) -> None:
    assert pipeline.stage_names == ["detect", "landmarks", "align", "quality", "liveness", "embed"]
    assert STAGES[: len(FRAME_STAGES)] == FRAME_STAGES


def test_attempt_runs_every_stage_timed(
    pipeline: FacePipeline, good_frames: list[np.ndarray]
) -> None:
    result = pipeline.process(good_frames, PadLiveness())
    assert list(result.stage_ms) == list(STAGES)
    assert all(ms > 0.0 for ms in result.stage_ms.values()), result.stage_ms
    for frame in result.frames:
        assert list(frame.stage_ms) == list(FRAME_STAGES)
    assert result.best is not None and result.frames[result.best].passed
    assert result.liveness is not None and not result.liveness.is_attack
    assert result.template is not None and result.template.shape == (128,)
    assert "template" not in repr(result) and "chip" not in repr(result)
    chip = result.frames[result.best].chip
    assert chip is not None and chip.any()
    result.wipe()
    assert not chip.any() and not result.template.any()


def test_liveness_sees_only_frames_with_the_subject(
    pipeline: FacePipeline, good_frames: list[np.ndarray]
) -> None:
    wall = np.full((480, 640, 3), 200, np.uint8)
    check = FixedLiveness(attack=False)
    pipeline.process([wall, *good_frames[:3]], check).wipe()
    assert check.calls == [(3, 3)]


def test_attack_veto_skips_embedding(pipeline: FacePipeline, good_frames: list[np.ndarray]) -> None:
    result = pipeline.process(good_frames[:2], FixedLiveness(attack=True))
    assert result.liveness is not None and result.liveness.is_attack
    assert result.template is None and result.stage_ms["embed"] == 0.0
    result.wipe()


def test_quality_failure_skips_liveness_and_embedding(pipeline: FacePipeline) -> None:
    check = FixedLiveness(attack=False)
    result: SequenceResult = pipeline.process([np.full((480, 640, 3), 90, np.uint8)] * 2, check)
    assert result.best is None and result.template is None and check.calls == []
    assert result.stage_ms["liveness"] == 0.0 and result.stage_ms["embed"] == 0.0
    assert all(f.quality.guidance == ("NO_FACE",) for f in result.frames)


def test_detect_subject_raises_without_a_face(pipeline: FacePipeline) -> None:
    with pytest.raises(NoFaceError):
        pipeline.detect_subject(np.full((200, 200, 3), 90, np.uint8))


def test_sink_sees_names_timings_and_scalar_scores_only(
    pipeline: FacePipeline, good_frames: list[np.ndarray]
) -> None:
    sink = RecordingSink()
    pipeline.sink = sink
    try:
        pipeline.process(good_frames[:2], FixedLiveness(attack=False)).wipe()
    finally:
        pipeline.sink = NullSink()
    names = [name for name, _, _ in sink.calls]
    assert names == [*FRAME_STAGES, *FRAME_STAGES, "liveness", "embed"]
    for name, ms, scores in sink.calls:
        assert isinstance(name, str) and type(ms) is float
        assert isinstance(scores, dict) and len(scores) <= 16
        assert all(isinstance(k, str) and type(v) is float for k, v in scores.items())
    quality = [scores for name, _, scores in sink.calls if name == "quality"]
    assert all(
        isinstance(q, dict) and {"face_size", "pose", "sharpness"} <= q.keys() for q in quality
    )


def test_production_sink_writes_nothing_and_logs_no_biometrics(
    pipeline: FacePipeline,
    good_frames: list[np.ndarray],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert isinstance(pipeline.sink, NullSink)  # the default
    monkeypatch.chdir(tmp_path)
    with caplog.at_level(logging.DEBUG):
        result = pipeline.process(good_frames, PadLiveness())
    assert result.template is not None
    template = [f"{v:.4f}" for v in result.template[:8]]
    result.wipe()
    assert list(tmp_path.iterdir()) == []
    text = caplog.text
    assert not any(value in text for value in template)
    for record in caplog.records:
        assert not any(isinstance(a, np.ndarray) for a in (record.args or ()))


def test_logging_sink_refuses_arrays(caplog: pytest.LogCaptureFixture) -> None:
    sink = LoggingSink()
    with caplog.at_level(logging.DEBUG, logger="openabc.inference.debug_sink"):
        sink.stage("quality", 1.234, {"pose": 80.0})
    assert "stage quality 1.23 ms {'pose': 80.0}" in caplog.text
    with pytest.raises(TypeError):
        scalar_scores({"chip": np.zeros((150, 150)).tolist()})  # type: ignore[dict-item]
    with pytest.raises(ValueError):
        scalar_scores({f"s{i}": 1.0 for i in range(17)})


def test_one_frame_with_the_subject_is_not_enough_for_liveness(
    pipeline: FacePipeline, good_frames: list[np.ndarray]
) -> None:
    check = FixedLiveness(attack=False)
    wall = np.full((480, 640, 3), 200, np.uint8)
    result = pipeline.process([wall, good_frames[0]], check)
    assert result.best == 1 and result.liveness is None and result.template is None
    assert check.calls == []
    result.wipe()

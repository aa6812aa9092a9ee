"""EmulatedCamera with landmarks: realistic framing, poor conditions, attack species, scripts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from openabc.hal.device_errors import CorruptFrame
from openabc.hal.emulated_camera import EmulatedCamera
from openabc.inference.face_pipeline import FacePipeline, build_face_pipeline

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pipeline() -> FacePipeline:
    return build_face_pipeline(ROOT / "models", threads=1)


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return np.asarray(Image.open(ROOT / "seeds" / "faces" / "obama.jpg").convert("RGB"))


@pytest.fixture(scope="module")
def landmarks(pipeline: FacePipeline, photo: np.ndarray) -> np.ndarray:
    return pipeline.detect_subject(photo).landmarks


def _guidance(pipeline: FacePipeline, frames: list[np.ndarray]) -> Counter[str]:
    reports = [pipeline.assess_frame(f).quality for f in frames]
    return Counter(r.guidance[0] if r.guidance else "PASS" for r in reports)


def test_good_presentation_passes_quality_at_normal_distance(
    pipeline: FacePipeline, photo: np.ndarray, landmarks: np.ndarray
) -> None:
    camera = EmulatedCamera(rng_seed=1)
    camera.present(photo, landmarks)
    frames = camera.capture(4, timeout=1.0)
    assert all(f.shape == (480, 640, 3) and f.dtype == np.uint8 for f in frames)
    reports = [pipeline.assess_frame(f).quality for f in frames]
    assert all(70.0 <= r.values["inter_eye_px"] <= 100.0 for r in reports)
    assert sum(r.passed for r in reports) >= 3


@pytest.mark.parametrize(
    ("condition", "code"),
    [
        ("far", "STEP_CLOSER"),
        ("turned", "LOOK_STRAIGHT"),
        ("dark", "MORE_LIGHT"),
        ("blurred", "HOLD_STILL"),
    ],
)
def test_poor_conditions_fail_quality_with_guidance(
    pipeline: FacePipeline, photo: np.ndarray, landmarks: np.ndarray, condition: str, code: str
) -> None:
    camera = EmulatedCamera(rng_seed=2)
    camera.present(photo, landmarks, condition=condition)  # type: ignore[arg-type]
    counts = _guidance(pipeline, camera.capture(3, timeout=1.0))
    assert counts.most_common(1)[0][0] == code, counts
    assert counts["PASS"] == 0


def test_scripted_conditions_apply_per_capture(
    pipeline: FacePipeline, photo: np.ndarray, landmarks: np.ndarray
) -> None:
    camera = EmulatedCamera(rng_seed=3)
    camera.present(photo, landmarks)
    camera.present_conditions(["far", "good"])
    assert _guidance(pipeline, camera.capture(2, timeout=1.0))["STEP_CLOSER"] == 2
    assert _guidance(pipeline, camera.capture(2, timeout=1.0))["PASS"] >= 1
    assert _guidance(pipeline, camera.capture(2, timeout=1.0))["PASS"] >= 1  # back to "good"


@pytest.mark.parametrize("species", ["print", "screen"])
def test_attack_species_show_a_face(
    pipeline: FacePipeline, photo: np.ndarray, landmarks: np.ndarray, species: str
) -> None:
    camera = EmulatedCamera(rng_seed=4)
    camera.present(photo, landmarks, species=species)  # type: ignore[arg-type]
    frames = camera.capture(2, timeout=1.0)
    assert all(pipeline.assess_frame(f).face is not None for f in frames)


def test_same_seed_same_presentation(photo: np.ndarray, landmarks: np.ndarray) -> None:
    runs = []
    for _ in range(2):
        camera = EmulatedCamera(rng_seed=9)
        camera.present(photo, landmarks, species="screen")
        runs.append(camera.capture(2, timeout=1.0))
    assert all(np.array_equal(a, b) for a, b in zip(*runs, strict=True))


def test_corruption_still_goes_through_the_decoder(
    photo: np.ndarray, landmarks: np.ndarray
) -> None:
    camera = EmulatedCamera(rng_seed=5)
    camera.present(photo, landmarks)
    camera.inject_fault("corrupt")
    with pytest.raises(CorruptFrame):
        camera.capture(2, timeout=0.5)


def test_bad_presentations_are_refused(photo: np.ndarray, landmarks: np.ndarray) -> None:
    camera = EmulatedCamera(rng_seed=0)
    with pytest.raises(ValueError):
        camera.present(photo, species="print")  # attacks need landmarks
    with pytest.raises(ValueError):
        camera.present(photo, condition="far")
    with pytest.raises(ValueError):
        camera.present(photo, landmarks[:4])
    with pytest.raises(ValueError):
        camera.present(photo, landmarks, condition="foggy")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        camera.present_conditions(["good"])  # nothing with landmarks presented yet
    camera.present(photo, landmarks)
    with pytest.raises(ValueError):
        camera.present_conditions(["good", "foggy"])  # type: ignore[list-item]

"""OFIQ-inspired quality on seed photos: a good frontal passes, each defect gets its guidance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from openabc.inference.detector import FaceDetection, FaceDetector
from openabc.inference.face_pipeline import DETECTOR_VERSION
from openabc.inference.quality import (
    GUIDANCE,
    QualityReport,
    QualityThresholds,
    assess,
    pose_degrees,
)
from openabc.inference.runner import load_verified_runner

ROOT = Path(__file__).resolve().parents[2]
FACES = ROOT / "seeds" / "faces"


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    runners = [
        load_verified_runner(ROOT / "models" / f"mtcnn-{n}" / DETECTOR_VERSION / "manifest.yaml")[1]
        for n in ("pnet", "rnet", "onet")
    ]
    return FaceDetector(*runners)


def _photo(name: str) -> Image.Image:
    return Image.open(FACES / f"{name}.jpg").convert("RGB")


def _assess(detector: FaceDetector, image: Image.Image | np.ndarray) -> QualityReport:
    frame = np.asarray(image, dtype=np.uint8)
    return assess(frame, detector.detect(frame))


def test_frontal_seed_photo_passes(detector: FaceDetector) -> None:
    report = _assess(detector, _photo("obama"))
    assert report.passed, report
    assert report.guidance == ()
    assert all(50.0 <= s <= 100.0 for s in report.scores.values())
    assert abs(report.values["yaw_deg"]) < 5 and abs(report.values["roll_deg"]) < 3


def test_tiny_face_asks_to_step_closer(detector: FaceDetector) -> None:
    img = _photo("obama")
    report = _assess(detector, img.resize((img.width // 4, img.height // 4)))
    assert not report.passed
    assert report.guidance[0] == "STEP_CLOSER"
    assert report.scores["face_size"] < 50
    assert "step closer" in report.guidance_text


def test_blurred_face_fails_sharpness(detector: FaceDetector) -> None:
    report = _assess(detector, _photo("obama").filter(ImageFilter.GaussianBlur(4)))
    assert not report.passed
    assert report.scores["sharpness"] < 50 and "HOLD_STILL" in report.guidance
    assert report.scores["face_size"] >= 50 and report.scores["exposure"] >= 50


def test_dark_image_fails_exposure(detector: FaceDetector) -> None:
    dark = (np.asarray(_photo("obama"), dtype=np.float32) * 0.2).astype(np.uint8)
    report = _assess(detector, dark)
    assert not report.passed
    assert report.scores["exposure"] < 50 and "MORE_LIGHT" in report.guidance
    assert report.scores["sharpness"] >= 50  # dark is not the same as blurred


def test_rolled_face_fails_pose(detector: FaceDetector) -> None:
    rolled = _photo("obama").rotate(30, fillcolor=(128, 128, 128))
    report = _assess(detector, rolled)
    assert not report.passed
    assert report.values["roll_deg"] == pytest.approx(-30.0, abs=5.0)
    assert report.scores["pose"] < 50 and "LOOK_STRAIGHT" in report.guidance


def test_two_faces_fail_one_face(detector: FaceDetector) -> None:
    left = _photo("obama")
    right = _photo("biden").resize(left.size)
    pair = np.concatenate([np.asarray(left), np.asarray(right)], axis=1)
    report = _assess(detector, pair)
    assert not report.passed
    assert report.values["confident_faces"] == 2.0
    assert report.guidance[0] == "ONE_PERSON"


def test_no_face() -> None:
    report = assess(np.zeros((480, 640, 3), np.uint8), [])
    assert not report.passed and report.guidance == ("NO_FACE",)


def test_pose_geometry_on_synthetic_landmarks() -> None:
    frontal = np.array([[47.1, 45.8], [102.2, 46.0], [74.3, 76.4], [48.0, 103.7], [100.8, 103.9]])
    yaw, pitch, roll = pose_degrees(frontal)
    assert max(abs(yaw), abs(pitch), abs(roll)) < 1.0
    turned = frontal.copy()
    turned[2, 0] += 0.45 * 57.9 * np.sin(np.radians(20))  # nose tip swings right by 20 deg
    assert pose_degrees(turned)[0] == pytest.approx(20.0, abs=1.0)  # frontal bias ~0.5 deg


def test_thresholds_are_configurable(detector: FaceDetector) -> None:
    frame = np.asarray(_photo("obama"))
    faces: list[FaceDetection] = detector.detect(frame)
    strict = assess(frame, faces, QualityThresholds(min_ied_px=200.0))
    assert not strict.passed and strict.guidance == ("STEP_CLOSER",)
    assert set(GUIDANCE) >= set(strict.guidance)


def test_scores_are_50_at_the_thresholds() -> None:
    """Each score crosses 50 exactly at its threshold, the contract the verdict relies on."""
    lm = np.array([[47.1, 45.8], [102.2, 46.0], [74.3, 76.4], [48.0, 103.7], [100.8, 103.9]])
    t = QualityThresholds(min_ied_px=55.1, luminance_range=(10.0, 250.0))
    frame = np.zeros((150, 150, 3), np.uint8)
    face = FaceDetection(box=(20.0, 10.0, 130.0, 140.0), score=0.99, landmarks=lm)
    report = assess(frame, [face], t)
    assert report.scores["face_size"] == pytest.approx(50.0, abs=0.2)
    dark = assess(frame, [face], QualityThresholds(luminance_range=(0.0, 200.0)))
    assert dark.scores["exposure"] == pytest.approx(50.0)

"""MTCNN detector: real faces found once with sane landmarks; no faces in noise."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from openabc.inference.area_resize import IntegralImage
from openabc.inference.boxes import crop_bounds, nms_iou, nms_min, square
from openabc.inference.detector import FaceDetector
from openabc.inference.mtcnn_stages import pyramid_scales
from openabc.inference.runner import load_verified_runner

ROOT = Path(__file__).resolve().parents[2]
FACES = ROOT / "seeds" / "faces"
PHOTOS = sorted(p.stem for p in FACES.glob("*.jpg"))


@pytest.fixture(scope="module")
def detector() -> FaceDetector:
    runners = [
        load_verified_runner(ROOT / "models" / f"mtcnn-{n}" / "2.6.0" / "manifest.yaml")[1]
        for n in ("pnet", "rnet", "onet")
    ]
    return FaceDetector(*runners)


def _photo(name: str) -> np.ndarray:
    return np.asarray(Image.open(FACES / f"{name}.jpg").convert("RGB"))


def test_seed_photos_present() -> None:
    assert {"obama", "obama2", "biden", "astronaut"} <= set(PHOTOS)


@pytest.mark.parametrize("name", PHOTOS)
def test_one_face_with_landmarks_inside_box(detector: FaceDetector, name: str) -> None:
    faces = detector.detect(_photo(name))
    assert len(faces) == 1
    face = faces[0]
    x1, y1, x2, y2 = face.box
    assert face.score > 0.95
    assert face.landmarks.shape == (5, 2)
    assert np.all((face.landmarks[:, 0] > x1) & (face.landmarks[:, 0] < x2))
    assert np.all((face.landmarks[:, 1] > y1) & (face.landmarks[:, 1] < y2))
    left_eye, right_eye, nose, mouth_l, mouth_r = face.landmarks
    assert left_eye[0] < right_eye[0] and mouth_l[0] < mouth_r[0]  # image-left first
    assert max(left_eye[1], right_eye[1]) < nose[1] < min(mouth_l[1], mouth_r[1])


def test_results_sorted_by_score(detector: FaceDetector) -> None:
    a, b = _photo("obama"), _photo("biden")
    canvas = np.zeros((max(a.shape[0], b.shape[0]), a.shape[1] + b.shape[1], 3), np.uint8)
    canvas[: a.shape[0], : a.shape[1]] = a
    canvas[: b.shape[0], a.shape[1] :] = b
    faces = detector.detect(canvas)
    assert len(faces) == 2
    assert faces[0].score >= faces[1].score


@pytest.mark.parametrize("kind", ["black", "grey", "noise"])
def test_no_face_in_blank_or_noise(detector: FaceDetector, kind: str) -> None:
    rng = np.random.default_rng(1234)
    image = {
        "black": np.zeros((480, 640, 3), np.uint8),
        "grey": np.full((480, 640, 3), 128, np.uint8),
        "noise": rng.integers(0, 256, (480, 640, 3), dtype=np.uint8),
    }[kind]
    assert detector.detect(image) == []


def test_image_smaller_than_min_face_has_no_scales(detector: FaceDetector) -> None:
    assert detector.detect(np.zeros((30, 30, 3), np.uint8)) == []


def test_rejects_non_rgb_uint8(detector: FaceDetector) -> None:
    with pytest.raises(ValueError):
        detector.detect(np.zeros((64, 64), np.uint8))
    with pytest.raises(ValueError):
        detector.detect(np.zeros((64, 64, 3), np.float32))  # type: ignore[arg-type]


def test_pyramid_scales_follow_min_face_and_factor() -> None:
    scales = pyramid_scales(480, 640, 40, 0.709)
    assert scales[0] == pytest.approx(12 / 40)
    assert all(s2 == pytest.approx(s1 * 0.709) for s1, s2 in zip(scales, scales[1:], strict=False))
    assert 480 * scales[-1] >= 12 > 480 * scales[-1] * 0.709


def _adaptive_pool_reference(img: np.ndarray, oh: int, ow: int) -> np.ndarray:
    """Plain loop over torch's adaptive_avg_pool2d bins."""
    h, w = img.shape[:2]
    out = np.zeros((oh, ow, img.shape[2]))
    for i in range(oh):
        for j in range(ow):
            ys, ye = (i * h) // oh, -((-(i + 1) * h) // oh)
            xs, xe = (j * w) // ow, -((-(j + 1) * w) // ow)
            out[i, j] = img[ys:ye, xs:xe].reshape(-1, img.shape[2]).mean(axis=0)
    return out


@pytest.mark.parametrize(("oh", "ow"), [(7, 5), (13, 17), (24, 24), (40, 31)])
def test_area_resize_matches_adaptive_pool(oh: int, ow: int) -> None:
    img = np.random.default_rng(7).integers(0, 256, (37, 29, 3), dtype=np.uint8)
    got = IntegralImage(img).resize(oh, ow)
    np.testing.assert_allclose(got, _adaptive_pool_reference(img, oh, ow), atol=1e-4)


def test_area_resize_of_region() -> None:
    img = np.random.default_rng(8).integers(0, 256, (50, 60, 3), dtype=np.uint8)
    got = IntegralImage(img).resize(6, 4, rows=(10, 22), cols=(5, 13))
    np.testing.assert_allclose(got, img[10:22, 5:13].reshape(6, 2, 4, 2, 3).mean(axis=(1, 3)))


def test_nms_iou_and_min() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [2, 2, 6, 6]], float)
    scores = np.array([0.9, 0.8, 0.7, 0.95])
    assert nms_iou(boxes, scores, 0.5).tolist() == [3, 0, 2]
    assert nms_min(boxes, scores, 0.7).tolist() == [3, 2]  # nested box swallows the others
    assert nms_iou(np.zeros((0, 4)), np.zeros(0), 0.5).size == 0


def test_square_and_crop_bounds() -> None:
    sq = square(np.array([[10.0, 20.0, 30.0, 60.0, 0.9]]))
    np.testing.assert_allclose(sq, [[0.0, 20.0, 40.0, 60.0, 0.9]])
    bounds = crop_bounds(np.array([[-5.7, 3.2, 50.9, 12.0]]), width=40, height=30)
    assert bounds.tolist() == [[2, 12, 0, 40]]

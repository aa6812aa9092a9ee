"""Alignment: exact similarity fits, pixel conventions, and parity with dlib's chip.

The parity tolerance (euclidean 0.25 between the embedding of our chip and of
dlib's chip) comes from tools/models/fit_align_template.py's data: leave-one-
photo-out (template fitted without the photo and its mirror) gave a worst
case of 0.19 and mean 0.14 on seeds/faces, while same-person pairs there are
0.33-0.46 apart and the decision threshold is 0.6.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from openabc.inference.align import TEMPLATE_150, align_face, similarity_transform
from openabc.inference.detector import FaceDetector
from openabc.inference.embedder import FaceEmbedder
from openabc.inference.runner import load_verified_runner

from .dlib_assets import SHAPE_5, dlib_models_dir

ROOT = Path(__file__).resolve().parents[2]
FACES = ROOT / "seeds" / "faces"
PHOTOS = sorted(p.stem for p in FACES.glob("*.jpg"))
PARITY_TOLERANCE = 0.25


def _similarity(scale: float, angle: float, tx: float, ty: float) -> np.ndarray:
    c, s = math.cos(angle) * scale, math.sin(angle) * scale
    return np.array([[c, -s, tx], [s, c, ty]])


def test_similarity_transform_recovers_known_map() -> None:
    src = np.random.default_rng(3).uniform(0, 400, (5, 2))
    truth = _similarity(0.37, -0.4, 12.5, -80.0)
    dst = src @ truth[:, :2].T + truth[:, 2]
    np.testing.assert_allclose(similarity_transform(src, dst), truth, atol=1e-9)


def test_similarity_transform_never_reflects() -> None:
    src = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    mirrored = src * np.array([-1.0, 1.0])
    m = similarity_transform(src, mirrored)
    assert np.linalg.det(m[:, :2]) > 0


def test_similarity_transform_rejects_degenerate() -> None:
    with pytest.raises(ValueError):
        similarity_transform(np.ones((5, 2)), np.zeros((5, 2)))
    with pytest.raises(ValueError):
        similarity_transform(np.ones((5, 2)), np.zeros((4, 2)))


def test_identity_alignment_copies_pixels() -> None:
    """Landmarks already at the template -> chip is the top-left 150x150 crop.

    Pillow's 8-bit bilinear may round a weight of ~1.0 down by one level.
    """
    image = np.random.default_rng(5).integers(0, 256, (200, 220, 3), dtype=np.uint8)
    chip = align_face(image, TEMPLATE_150.copy())
    assert chip.shape == (150, 150, 3) and chip.dtype == np.uint8
    assert np.abs(chip.astype(int) - image[:150, :150].astype(int)).max() <= 1


def test_half_scale_alignment_samples_between_pixels() -> None:
    """Landmarks at 2x template -> chip pixel (r, c) samples image pixel (2r, 2c)."""
    image = np.random.default_rng(6).integers(0, 256, (320, 320, 3), dtype=np.uint8)
    chip = align_face(image, TEMPLATE_150 * 2.0)
    diff = np.abs(chip.astype(int) - image[:300:2, :300:2].astype(int))
    assert diff.max() <= 1


def test_chip_size_scales_template() -> None:
    image = np.zeros((100, 100, 3), np.uint8)
    assert align_face(image, TEMPLATE_150 * 0.5, size=75).shape == (75, 75, 3)


def test_rejects_bad_inputs() -> None:
    with pytest.raises(ValueError):
        align_face(np.zeros((10, 10), np.uint8), TEMPLATE_150)
    with pytest.raises(ValueError):
        align_face(np.zeros((10, 10, 3), np.uint8), TEMPLATE_150[:4])


@cache
def _models() -> tuple[FaceDetector, FaceEmbedder]:
    runners = [
        load_verified_runner(ROOT / "models" / f"mtcnn-{n}" / "2.6.0" / "manifest.yaml")[1]
        for n in ("pnet", "rnet", "onet")
    ]
    manifest, runner = load_verified_runner(
        ROOT / "models" / "face-embed-dlib-resnet" / "1.0.0" / "manifest.yaml"
    )
    return FaceDetector(*runners), FaceEmbedder(runner, manifest)


@pytest.mark.parametrize("name", PHOTOS)
def test_chip_embeds_like_dlib_chip(name: str) -> None:
    dlib = pytest.importorskip("dlib", reason="dlib-bin is the alignment reference")
    shapes = dlib.shape_predictor(str(dlib_models_dir() / SHAPE_5))
    image = np.asarray(Image.open(FACES / f"{name}.jpg").convert("RGB"))
    rects = dlib.get_frontal_face_detector()(image, 1)
    assert len(rects) >= 1
    shape = shapes(image, max(rects, key=lambda r: r.area()))
    dlib_chip = np.asarray(dlib.get_face_chip(image, shape, size=150, padding=0.25))
    detector, embedder = _models()
    (face,) = detector.detect(image)
    ours = align_face(image, face.landmarks)
    distance = float(np.linalg.norm(embedder.embed(ours) - embedder.embed(dlib_chip)))
    assert distance < PARITY_TOLERANCE

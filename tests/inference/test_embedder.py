"""The ONNX embedder must reproduce dlib's own descriptors on real face photos."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from openabc.inference.embedder import FaceEmbedder
from openabc.inference.runner import Runner, load_verified_runner

from .dlib_assets import RESNET, SHAPE_5, dlib_models_dir

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "models" / "face-embed-dlib-resnet" / "1.0.0" / "manifest.yaml"
FACES = ROOT / "seeds" / "faces"
PHOTOS = ("obama", "obama2", "obama3", "biden", "astronaut")


@pytest.fixture(scope="module")
def embedder() -> Iterator[FaceEmbedder]:
    manifest, runner = load_verified_runner(MANIFEST, threads=1)
    runner.warm_up()
    yield FaceEmbedder(runner, manifest)


@cache
def _dlib_reference(name: str) -> tuple[np.ndarray, np.ndarray]:
    """(aligned chip, dlib descriptor) for the largest face in a seed photo."""
    dlib = pytest.importorskip("dlib", reason="dlib-bin is the reference implementation")
    models = dlib_models_dir()
    detector = dlib.get_frontal_face_detector()
    shapes = dlib.shape_predictor(str(models / SHAPE_5))
    facerec = dlib.face_recognition_model_v1(str(models / RESNET))
    img = np.asarray(Image.open(FACES / f"{name}.jpg").convert("RGB"))
    faces = detector(img, 1)
    assert len(faces) >= 1, f"dlib found no face in {name}"
    face = max(faces, key=lambda r: r.area())
    chip = np.asarray(dlib.get_face_chip(img, shapes(img, face), size=150, padding=0.25))
    return chip, np.asarray(facerec.compute_face_descriptor(chip), dtype=np.float64)


@pytest.mark.parametrize("name", PHOTOS)
def test_matches_dlib_descriptor(embedder: FaceEmbedder, name: str) -> None:
    chip, expected = _dlib_reference(name)
    got = embedder.embed(chip).astype(np.float64)
    cosine = float(got @ expected / (np.linalg.norm(got) * np.linalg.norm(expected)))
    assert cosine > 0.9999
    assert np.max(np.abs(got - expected)) < 1e-4


def test_same_person_within_threshold(embedder: FaceEmbedder) -> None:
    a = embedder.embed(_dlib_reference("obama")[0])
    b = embedder.embed(_dlib_reference("obama2")[0])
    assert float(np.linalg.norm(a - b)) < embedder.verify_distance


def test_different_people_beyond_threshold(embedder: FaceEmbedder) -> None:
    a = embedder.embed(_dlib_reference("obama")[0])
    b = embedder.embed(_dlib_reference("biden")[0])
    assert float(np.linalg.norm(a - b)) > embedder.verify_distance


def test_output_contract_and_metadata(embedder: FaceEmbedder) -> None:
    chip = np.full((150, 150, 3), 128, dtype=np.uint8)
    out = embedder.embed(chip)
    assert out.shape == (128,)
    assert out.dtype == np.float32
    assert np.all(np.isfinite(out))
    assert embedder.model_id == "face-embed-dlib-resnet"
    assert embedder.model_version == "1.0.0"
    assert embedder.verify_distance == 0.6


@pytest.mark.parametrize(
    ("shape", "dtype"),
    [((150, 150), np.uint8), ((160, 160, 3), np.uint8), ((150, 150, 3), np.float32),
     ((3, 150, 150), np.uint8), ((1, 150, 150, 3), np.uint8)],
)
def test_rejects_bad_chips(embedder: FaceEmbedder, shape: tuple[int, ...], dtype: type) -> None:
    with pytest.raises(ValueError, match="chip must"):
        embedder.embed(np.zeros(shape, dtype=dtype))


class _FakeRunner(Runner):
    """Records calls so the embedder's feed contract is checked without ONNX."""

    def __init__(self) -> None:
        self.input_names = ["chip"]
        self.seen: list[np.ndarray] = []

    def run(self, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
        self.seen.append(inputs["chip"])
        return [np.arange(128, dtype=np.float32).reshape(1, 128)]


def test_feeds_batched_uint8_nhwc() -> None:
    manifest, _ = load_verified_runner(MANIFEST)
    fake = _FakeRunner()
    out = FaceEmbedder(fake, manifest).embed(np.zeros((150, 150, 3), dtype=np.uint8))
    assert fake.seen[0].shape == (1, 150, 150, 3)
    assert fake.seen[0].dtype == np.uint8
    assert out[5] == 5.0


def test_assets_helper_skips_cleanly_without_package(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from . import dlib_assets

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(pytest.skip.Exception, match="face-recognition-models==0.3.0"):
        dlib_assets.dlib_models_dir()

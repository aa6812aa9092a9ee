"""Face pipeline end to end on seed photos: identities, capture errors, integrity."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from openabc.inference.errors import ModelIntegrityError
from openabc.inference.face_errors import MultipleFacesError, NoFaceError
from openabc.inference.face_pipeline import FacePipeline, FaceResult, build_face_pipeline

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"
FACES = ROOT / "seeds" / "faces"


@pytest.fixture(scope="module")
def pipeline() -> FacePipeline:
    return build_face_pipeline(MODELS, threads=1)


def _photo(name: str) -> np.ndarray:
    return np.asarray(Image.open(FACES / f"{name}.jpg").convert("RGB"))


@pytest.fixture(scope="module")
def templates(pipeline: FacePipeline) -> dict[str, np.ndarray]:
    return {n: pipeline.extract(_photo(n)).template for n in ("obama", "obama2", "biden")}


def _dist(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b))


def test_same_person_within_threshold(templates: dict[str, np.ndarray]) -> None:
    assert _dist(templates["obama"], templates["obama2"]) < 0.6


def test_different_people_beyond_threshold(templates: dict[str, np.ndarray]) -> None:
    assert _dist(templates["obama"], templates["biden"]) > 0.6
    assert _dist(templates["obama2"], templates["biden"]) > 0.6


def test_result_contents(pipeline: FacePipeline) -> None:
    result = pipeline.extract(_photo("astronaut"))
    assert isinstance(result, FaceResult)
    assert result.template.shape == (128,) and result.template.dtype == np.float32
    assert (result.model_id, result.model_version) == ("face-embed-dlib-resnet", "1.0.0")
    assert result.detection_score > 0.95
    assert list(result.stage_ms) == ["detect", "landmarks", "align", "quality", "embed"]
    assert result.quality is not None and "face_size" in result.quality.scores
    assert all(ms >= 0.0 for ms in result.stage_ms.values())
    assert not any(isinstance(v, np.ndarray) and v.ndim >= 2 for v in vars(result).values())
    assert "template" not in repr(result)


def test_no_face(pipeline: FacePipeline) -> None:
    with pytest.raises(NoFaceError):
        pipeline.extract(np.full((480, 640, 3), 90, np.uint8))


def test_two_faces(pipeline: FacePipeline) -> None:
    a, b = _photo("obama"), _photo("biden")
    canvas = np.zeros((max(a.shape[0], b.shape[0]), a.shape[1] + b.shape[1], 3), np.uint8)
    canvas[: a.shape[0], : a.shape[1]] = a
    canvas[: b.shape[0], a.shape[1] :] = b
    with pytest.raises(MultipleFacesError) as info:
        pipeline.extract(canvas)
    assert info.value.count == 2


def test_tampered_detector_model_is_refused(tmp_path: Path) -> None:
    for model_dir in MODELS.iterdir():
        (tmp_path / model_dir.name).symlink_to(model_dir, target_is_directory=True)
    pnet = tmp_path / "mtcnn-pnet"
    pnet.unlink()
    shutil.copytree(MODELS / "mtcnn-pnet", pnet)
    onnx = pnet / "2.6.0" / "model.onnx"
    data = bytearray(onnx.read_bytes())
    data[-1] ^= 0xFF
    onnx.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError):
        build_face_pipeline(tmp_path)

"""Face modality: the kiosk's own pipeline (MTCNN + dlib ResNet), euclidean distance.

Why: calibration is only valid for the exact detector, aligner and embedder
that decide at the gate, so the evaluation runs the production pipeline.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from openabc.evaluation.metrics import Direction
from openabc.evaluation.samples import EnrolmentFailure, load_rgb
from openabc.inference.face_errors import FaceCaptureError
from openabc.inference.face_pipeline import (
    EMBEDDER_ID,
    EMBEDDER_VERSION,
    FacePipeline,
    build_face_pipeline,
)
from openabc.inference.manifest import load_manifest

FaceTemplate = npt.NDArray[np.float32]
THRESHOLD_KEY = "verify_distance"


def face_manifest_path(models_dir: Path) -> Path:
    return models_dir / EMBEDDER_ID / EMBEDDER_VERSION / "manifest.yaml"


def load_face_threshold(models_dir: Path) -> float:
    """The embedder manifest's decision distance (accept when distance <= it)."""
    return float(load_manifest(face_manifest_path(models_dir)).thresholds[THRESHOLD_KEY])


class FaceModality:
    """Templates from image files through a ``FacePipeline``."""

    name = "face"
    direction = Direction.DISTANCE
    score_name = "euclidean distance (accept when <= threshold)"

    def __init__(self, pipeline: FacePipeline) -> None:
        self._pipeline = pipeline

    @classmethod
    def from_models(cls, models_dir: Path, threads: int = 1) -> FaceModality:
        return cls(build_face_pipeline(models_dir, threads=threads))

    def template(self, path: Path) -> FaceTemplate:
        rgb = load_rgb(path)
        try:
            return self._pipeline.extract(rgb).template
        except FaceCaptureError as exc:
            raise EnrolmentFailure(str(exc)) from exc

    def compare(self, probe: FaceTemplate, reference: FaceTemplate) -> float:
        diff = probe.astype(np.float64) - reference.astype(np.float64)
        return float(np.sqrt(np.dot(diff, diff)))

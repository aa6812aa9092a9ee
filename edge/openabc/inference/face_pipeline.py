"""Frame -> face template: detect, pick landmarks, align, embed; each stage timed.

Why: the lane controller needs one call that turns a camera frame into a
biometric template (or a clear capture error) plus per-stage latencies, and
must never keep the frame or the face chip beyond the call.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from openabc.inference.align import align_face
from openabc.inference.detector import FaceDetection, FaceDetector
from openabc.inference.embedder import FaceEmbedder
from openabc.inference.face_errors import MultipleFacesError, NoFaceError
from openabc.inference.runner import load_verified_runner

logger = logging.getLogger(__name__)

DETECTOR_VERSION = "2.6.0"
EMBEDDER_ID, EMBEDDER_VERSION = "face-embed-dlib-resnet", "1.0.0"


@dataclass(frozen=True)
class FaceResult:
    """Template and metadata for the one face in a frame; holds no image data."""

    template: npt.NDArray[np.float32] = field(repr=False)
    model_id: str
    model_version: str
    detection_score: float
    stage_ms: dict[str, float]


@dataclass
class _Work:
    """Scratch state passed along the stages of one ``extract`` call."""

    image: npt.NDArray[np.uint8]
    faces: list[FaceDetection] = field(default_factory=list)
    face: FaceDetection | None = None
    chip: npt.NDArray[np.uint8] | None = None
    template: npt.NDArray[np.float32] | None = None


class FacePipeline:
    """detect -> landmarks -> align -> embed, as an explicit list of named stages."""

    def __init__(
        self, detector: FaceDetector, embedder: FaceEmbedder, *, confident_score: float = 0.9
    ) -> None:
        self._detector = detector
        self._embedder = embedder
        self.confident_score = confident_score
        self._stages: list[tuple[str, Callable[[_Work], None]]] = [
            ("detect", self._detect),
            ("landmarks", self._landmarks),
            ("align", self._align),
            ("embed", self._embed),
        ]

    @property
    def stage_names(self) -> list[str]:
        return [name for name, _ in self._stages]

    def extract(self, image: npt.NDArray[np.uint8]) -> FaceResult:
        """Template of the single face in an RGB uint8 frame.

        Raises NoFaceError / MultipleFacesError when the frame is unusable.
        """
        work = _Work(image=image)
        stage_ms: dict[str, float] = {}
        for name, stage in self._stages:
            start = time.perf_counter()
            stage(work)
            stage_ms[name] = (time.perf_counter() - start) * 1000.0
        assert work.face is not None and work.template is not None  # set by the stages
        logger.debug("face extracted, score %.3f, stage ms %s", work.face.score, stage_ms)
        return FaceResult(
            template=work.template,
            model_id=self._embedder.model_id,
            model_version=self._embedder.model_version,
            detection_score=work.face.score,
            stage_ms=stage_ms,
        )

    def _detect(self, work: _Work) -> None:
        work.faces = self._detector.detect(work.image)

    def _landmarks(self, work: _Work) -> None:
        """Choose the subject: exactly one confident face, with finite landmarks."""
        if not work.faces:
            raise NoFaceError("no face detected")
        confident = [f for f in work.faces if f.score >= self.confident_score]
        if len(confident) > 1:
            raise MultipleFacesError(len(confident))
        face = work.faces[0]
        if not np.all(np.isfinite(face.landmarks)):
            raise NoFaceError("face landmarks are not finite")
        work.face = face

    def _align(self, work: _Work) -> None:
        assert work.face is not None
        work.chip = align_face(work.image, work.face.landmarks)

    def _embed(self, work: _Work) -> None:
        assert work.chip is not None
        work.template = self._embedder.embed(work.chip)


def build_face_pipeline(models_dir: Path, *, threads: int = 1) -> FacePipeline:
    """Load the MTCNN nets and the embedder, each verified against its manifest sha256."""
    runners = {}
    manifests = {}
    for net in ("pnet", "rnet", "onet"):
        path = models_dir / f"mtcnn-{net}" / DETECTOR_VERSION / "manifest.yaml"
        manifests[net], runners[net] = load_verified_runner(path, threads=threads)
    pnet_t = manifests["pnet"].thresholds
    detector = FaceDetector(
        runners["pnet"],
        runners["rnet"],
        runners["onet"],
        min_face_size=int(pnet_t.get("min_face_size_px", 40)),
        thresholds=(
            pnet_t.get("score", 0.6),
            manifests["rnet"].thresholds.get("score", 0.7),
            manifests["onet"].thresholds.get("score", 0.7),
        ),
        factor=pnet_t.get("pyramid_factor", 0.709),
    )
    embed_manifest, embed_runner = load_verified_runner(
        models_dir / EMBEDDER_ID / EMBEDDER_VERSION / "manifest.yaml", threads=threads
    )
    return FacePipeline(detector, FaceEmbedder(embed_runner, embed_manifest))

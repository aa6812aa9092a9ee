"""Camera frames -> face template as named, timed stages.

Stages, in order: detect -> landmarks -> align -> quality -> liveness -> embed.
The first four run on every frame of a capture attempt; liveness runs once on
the attempt's sequence; embed runs once, on the best frame that passed quality
and only if liveness did not veto it. Why: the kiosk must ask the traveller to
change something before it gives up (quality), must refuse a photo or a screen
held up to the camera (liveness), and must know where its time budget goes
(every stage is timed). Frames, chips and templates are never kept beyond the
call that needs them; the optional ``DebugSink`` sees names, timings and
scores only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from openabc.inference.align import align_face
from openabc.inference.debug_sink import DebugSink, NullSink
from openabc.inference.detector import FaceDetection, FaceDetector
from openabc.inference.embedder import FaceEmbedder
from openabc.inference.face_errors import MultipleFacesError, NoFaceError
from openabc.inference.quality import QualityReport, QualityThresholds, assess
from openabc.inference.runner import load_verified_runner

logger = logging.getLogger(__name__)

DETECTOR_VERSION = "2.6.0"
EMBEDDER_ID, EMBEDDER_VERSION = "face-embed-dlib-resnet", "1.0.0"
STAGES = ("detect", "landmarks", "align", "quality", "liveness", "embed")
FRAME_STAGES = STAGES[:4]
# Smallest face box the kiosk camera looks for in live frames: MTCNN boxes are
# ~2.2 inter-eye distances wide, so 80 px still finds a traveller at half the
# 60 px IED minimum (to say "step closer") while skipping the two most
# expensive pyramid levels. Document portraits keep the manifest's minimum.
LIVE_MIN_FACE_PX = 80
MIN_LIVENESS_FRAMES = 2  # motion cues need a sequence; PAD detectors refuse fewer frames

Frame = npt.NDArray[np.uint8]


class LivenessVerdict(Protocol):
    """What a presentation-attack detector decides for one sequence."""

    @property
    def is_attack(self) -> bool: ...

    @property
    def fused_score(self) -> float: ...


class LivenessCheck(Protocol):
    """A PAD over a frame sequence and the subject's detection in each frame.

    ``pad.decision.assess_presentation`` (wrapped) and the ONNX
    ``pad.detector.PresentationAttackDetector`` both fit.
    """

    def assess(
        self, frames: Sequence[Frame], faces: Sequence[FaceDetection]
    ) -> LivenessVerdict: ...


@dataclass(frozen=True)
class FaceResult:
    """Template and metadata for the one face in a frame; holds no image data."""

    template: npt.NDArray[np.float32] = field(repr=False)
    model_id: str
    model_version: str
    detection_score: float
    stage_ms: dict[str, float]
    quality: QualityReport | None = None


@dataclass(frozen=True)
class FrameAssessment:
    """One frame after detect/landmarks/align/quality; the chip lives only until embed."""

    face: FaceDetection | None
    quality: QualityReport
    stage_ms: dict[str, float]
    chip: npt.NDArray[np.uint8] | None = field(default=None, repr=False, compare=False)

    @property
    def passed(self) -> bool:
        return self.quality.passed and self.chip is not None

    @property
    def rank(self) -> float:
        """Mean quality score: how the best passing frame is chosen."""
        scores = self.quality.scores
        return float(np.mean(list(scores.values()))) if scores else 0.0

    def wipe(self) -> None:
        if self.chip is not None:
            self.chip.fill(0)


@dataclass(frozen=True)
class SequenceResult:
    """One capture attempt through all stages; ``template`` only if quality and liveness passed.

    ``liveness`` is None when no frame passed quality, or when fewer than
    ``MIN_LIVENESS_FRAMES`` frames showed the subject (then ``best`` may be set
    but there is no template).

    ``stage_ms`` sums each stage over the attempt's frames, in stage order.
    Call ``wipe()`` once the template has been copied out.
    """

    frames: tuple[FrameAssessment, ...]
    best: int | None
    liveness: LivenessVerdict | None
    template: npt.NDArray[np.float32] | None = field(repr=False)
    stage_ms: dict[str, float]

    @property
    def best_frame(self) -> FrameAssessment | None:
        return None if self.best is None else self.frames[self.best]

    def wipe(self) -> None:
        for frame in self.frames:
            frame.wipe()
        if self.template is not None:
            self.template.fill(0.0)


@dataclass
class _Work:
    """Scratch state passed along the per-frame stages of one frame."""

    image: Frame
    detector: FaceDetector
    faces: list[FaceDetection] = field(default_factory=list)
    face: FaceDetection | None = None
    chip: npt.NDArray[np.uint8] | None = None
    quality: QualityReport | None = None


class FacePipeline:
    """The six named stages; the per-frame ones are an explicit list run in order."""

    def __init__(
        self,
        detector: FaceDetector,
        embedder: FaceEmbedder,
        *,
        confident_score: float = 0.9,
        thresholds: QualityThresholds | None = None,
        live_detector: FaceDetector | None = None,
        sink: DebugSink | None = None,
    ) -> None:
        self._detector = detector
        self._live_detector = live_detector or detector
        self._embedder = embedder
        self.confident_score = confident_score
        self.thresholds = thresholds or QualityThresholds(confident_face_score=confident_score)
        self.sink: DebugSink = sink or NullSink()

    @property
    def stage_names(self) -> list[str]:
        return list(STAGES)

    @property
    def model_id(self) -> str:
        return self._embedder.model_id

    @property
    def model_version(self) -> str:
        return self._embedder.model_version

    @property
    def verify_distance(self) -> float:
        """The embedder manifest's 1:1 threshold (kiosk and matcher share it)."""
        return self._embedder.verify_distance

    def detect_subject(self, image: Frame) -> FaceDetection:
        """The one face of a still image (portrait, seed photo), e.g. for its landmarks.

        Raises NoFaceError / MultipleFacesError like ``extract``.
        """
        face = self._subject(self._detector.detect(image), strict=True)
        if face is None:  # strict already raised; kept for the type checker
            raise NoFaceError("no face detected")
        return face

    def assess_frame(self, image: Frame) -> FrameAssessment:
        """Per-frame stages on one live camera frame; never raises for an unusable face."""
        work = _Work(image=image, detector=self._live_detector)
        stage_ms = self._run_frame_stages(work)
        assert work.quality is not None  # set by the quality stage
        return FrameAssessment(
            face=work.face, quality=work.quality, stage_ms=stage_ms, chip=work.chip
        )

    def process(self, frames: Sequence[Frame], liveness: LivenessCheck) -> SequenceResult:
        """All stages over one capture attempt; the caller must ``wipe()`` the result."""
        assessed = tuple(self.assess_frame(frame) for frame in frames)
        stage_ms = dict.fromkeys(STAGES, 0.0)
        for item in assessed:
            for name, ms in item.stage_ms.items():
                stage_ms[name] += ms
        passing = [i for i, item in enumerate(assessed) if item.passed]
        if not passing:
            return SequenceResult(assessed, None, None, None, stage_ms)
        best = max(passing, key=lambda i: (assessed[i].rank, i))
        seen: list[Frame] = []
        faces: list[FaceDetection] = []
        for frame, item in zip(frames, assessed, strict=True):
            if item.face is not None:  # the PAD needs the subject in every frame it sees
                seen.append(frame)
                faces.append(item.face)
        if len(seen) < MIN_LIVENESS_FRAMES:  # cannot tell live from attack: no template
            return SequenceResult(assessed, best, None, None, stage_ms)
        start = time.perf_counter()
        verdict = liveness.assess(seen, faces)
        stage_ms["liveness"] = self._timed("liveness", start, {"pad_score": verdict.fused_score})
        if verdict.is_attack:
            return SequenceResult(assessed, best, verdict, None, stage_ms)
        chip = assessed[best].chip
        assert chip is not None  # a passing frame has a chip
        start = time.perf_counter()
        template = self._embedder.embed(chip)
        stage_ms["embed"] = self._timed("embed", start, {})
        return SequenceResult(assessed, best, verdict, template, stage_ms)

    def extract(self, image: Frame) -> FaceResult:
        """Template of the single face in one RGB uint8 image (e.g. a document portrait).

        No liveness (one still image) and no quality veto: quality is reported.
        Raises NoFaceError / MultipleFacesError when the image is unusable.
        """
        work = _Work(image=image, detector=self._detector)
        stage_ms = self._run_frame_stages(work, strict=True)
        assert work.face is not None and work.chip is not None  # strict stages raise otherwise
        start = time.perf_counter()
        template = self._embedder.embed(work.chip)
        stage_ms["embed"] = self._timed("embed", start, {})
        work.chip.fill(0)
        logger.debug("face extracted, score %.3f, stage ms %s", work.face.score, stage_ms)
        return FaceResult(
            template=template,
            model_id=self._embedder.model_id,
            model_version=self._embedder.model_version,
            detection_score=work.face.score,
            stage_ms=stage_ms,
            quality=work.quality,
        )

    def _run_frame_stages(self, work: _Work, *, strict: bool = False) -> dict[str, float]:
        stage_ms: dict[str, float] = {}
        for name in FRAME_STAGES:
            start = time.perf_counter()
            scores: dict[str, float] = {}
            if name == "detect":
                work.faces = work.detector.detect(work.image)
                scores = {"faces": float(len(work.faces))}
            elif name == "landmarks":
                work.face = self._subject(work.faces, strict=strict)
            elif name == "align":
                if work.face is not None:
                    work.chip = align_face(work.image, work.face.landmarks).copy()  # wipeable
            else:
                faces = work.faces if work.face is not None else []
                work.quality = assess(work.image, faces, self.thresholds, chip=work.chip)
                scores = dict(work.quality.scores)
            stage_ms[name] = self._timed(name, start, scores)
        return stage_ms

    def _subject(self, faces: list[FaceDetection], *, strict: bool) -> FaceDetection | None:
        """The highest-scoring face with finite landmarks; strict: exactly one confident face."""
        if not faces:
            if strict:
                raise NoFaceError("no face detected")
            return None
        confident = [f for f in faces if f.score >= self.confident_score]
        if strict and len(confident) > 1:
            raise MultipleFacesError(len(confident))  # non-strict: quality says ONE_PERSON
        face = faces[0]
        if not np.all(np.isfinite(face.landmarks)):
            if strict:
                raise NoFaceError("face landmarks are not finite")
            return None
        return face

    def _timed(self, name: str, start: float, scores: dict[str, float]) -> float:
        ms = (time.perf_counter() - start) * 1000.0
        self.sink.stage(name, ms, scores)
        return ms


def build_face_pipeline(
    models_dir: Path,
    *,
    threads: int = 1,
    live_min_face_px: int = LIVE_MIN_FACE_PX,
    sink: DebugSink | None = None,
) -> FacePipeline:
    """Load the MTCNN nets and the embedder, each verified against its manifest sha256.

    Live frames use a second detector over the same nets with a larger minimum
    face (``live_min_face_px``); portraits use the manifest's minimum.
    """
    runners = {}
    manifests = {}
    for net in ("pnet", "rnet", "onet"):
        path = models_dir / f"mtcnn-{net}" / DETECTOR_VERSION / "manifest.yaml"
        manifests[net], runners[net] = load_verified_runner(path, threads=threads)
    pnet_t = manifests["pnet"].thresholds
    thresholds = (
        pnet_t.get("score", 0.6),
        manifests["rnet"].thresholds.get("score", 0.7),
        manifests["onet"].thresholds.get("score", 0.7),
    )
    factor = pnet_t.get("pyramid_factor", 0.709)
    min_face = int(pnet_t.get("min_face_size_px", 40))

    def detector(min_face_size: int) -> FaceDetector:
        return FaceDetector(
            runners["pnet"],
            runners["rnet"],
            runners["onet"],
            min_face_size=min_face_size,
            thresholds=thresholds,
            factor=factor,
        )

    embed_manifest, embed_runner = load_verified_runner(
        models_dir / EMBEDDER_ID / EMBEDDER_VERSION / "manifest.yaml", threads=threads
    )
    return FacePipeline(
        detector(min_face),
        FaceEmbedder(embed_runner, embed_manifest),
        live_detector=detector(max(min_face, live_min_face_px)),
        sink=sink,
    )

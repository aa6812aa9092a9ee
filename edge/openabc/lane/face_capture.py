"""The kiosk's live face capture: retry with guidance until quality passes, PAD veto, embed.

Why: a traveller standing too far away or looking aside should be told what
to change and get another try, not be referred at once; but the kiosk must
not loop forever (``attempts`` is bounded) and must refuse a photo or screen
held up to the camera before any template leaves the kiosk. Every frame the
camera delivers goes into the caller's ``session_images`` so the lane can
zero it after the decision; nothing biometric is logged (counts and codes only).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from openabc.hal.base import Camera, Frame
from openabc.hal.device_errors import DeviceError
from openabc.inference.detector import FaceDetection
from openabc.inference.errors import ModelError
from openabc.inference.face_pipeline import (
    MIN_LIVENESS_FRAMES,
    STAGES,
    FacePipeline,
    LivenessCheck,
    SequenceResult,
)
from openabc.inference.quality import GUIDANCE
from openabc.lane.referral import Referral
from openabc.messages import FaceTemplate
from openabc.pad.decision import PadDecision, PadThresholds, assess_presentation

logger = logging.getLogger(__name__)

# Referral codes (stable, logged, never shown to the traveller).
CAMERA_FAULT = "camera_fault"
NO_LIVE_FACE = "no_live_face"
FACE_QUALITY_INSUFFICIENT = "face_quality_insufficient"
PRESENTATION_ATTACK = "presentation_attack"
FACE_MODEL_ERROR = "face_model_error"

__all__ = [
    "CAMERA_FAULT",
    "FACE_MODEL_ERROR",
    "FACE_QUALITY_INSUFFICIENT",
    "GUIDANCE",
    "NO_LIVE_FACE",
    "PRESENTATION_ATTACK",
    "FaceCapture",
    "HandcraftedLiveness",
    "LiveFace",
    "LivenessCheck",
]


@dataclass(frozen=True)
class LiveFace:
    """The accepted live face: template (with quality scores) and how it was obtained.

    ``stage_ms`` sums each stage over every frame of every attempt made.
    """

    template: FaceTemplate
    pad_score: float
    attempts: int
    stage_ms: dict[str, float]


class HandcraftedLiveness:
    """``LivenessCheck`` over the motion + texture PAD signals in ``pad.decision``.

    The default until the ONNX detector (``pad.detector.build_pad_detector``) is wired.
    """

    def __init__(self, thresholds: PadThresholds | None = None) -> None:
        self._thresholds = thresholds

    def assess(self, frames: Sequence[Frame], faces: Sequence[FaceDetection]) -> PadDecision:
        return assess_presentation(frames, faces, self._thresholds)


class FaceCapture:
    """Capture attempts of ``frames_per_attempt`` frames, at most ``attempts`` of them.

    ``guidance`` receives a code of ``quality.GUIDANCE`` (e.g. ``STEP_CLOSER``;
    ``GUIDANCE[code]`` is the English text) before each retry.
    """

    def __init__(
        self,
        camera: Camera,
        pipeline: FacePipeline,
        liveness: LivenessCheck,
        *,
        attempts: int = 3,
        frames_per_attempt: int = 6,
        timeout_s: float = 5.0,
        guidance: Callable[[str], None] | None = None,
    ) -> None:
        if attempts < 1 or frames_per_attempt < MIN_LIVENESS_FRAMES:
            raise ValueError(f"need attempts >= 1 and frames_per_attempt >= {MIN_LIVENESS_FRAMES}")
        self._camera = camera
        self._pipeline = pipeline
        self._liveness = liveness
        self.attempts = attempts
        self.frames_per_attempt = frames_per_attempt
        self.timeout_s = timeout_s
        self._guidance = guidance

    def capture(self, session_images: list[Frame]) -> LiveFace:
        """The live face, or ``Referral`` with one of this module's codes."""
        stage_ms = dict.fromkeys(STAGES, 0.0)
        faceless = 0
        for attempt in range(1, self.attempts + 1):
            try:
                frames = self._camera.capture(self.frames_per_attempt, timeout=self.timeout_s)
            except DeviceError as err:
                logger.warning("face capture: camera fault (%s)", type(err).__name__)
                raise Referral(CAMERA_FAULT) from err
            session_images.extend(frames)
            try:
                result = self._pipeline.process(frames, self._liveness)
            except ModelError as err:  # a kiosk that cannot assess a face must not match
                logger.error("face capture: model failure (%s)", type(err).__name__)
                raise Referral(FACE_MODEL_ERROR) from err
            try:
                for name, ms in result.stage_ms.items():
                    stage_ms[name] += ms
                live = self._accept(result, attempt, stage_ms)
            finally:
                result.wipe()
            if live is not None:
                return live
            code = _most_common_failure(result)
            faceless += all(frame.face is None for frame in result.frames)
            logger.info(
                "face capture attempt %s/%s failed quality: %s", attempt, self.attempts, code
            )
            if attempt < self.attempts and self._guidance is not None:
                self._guidance(code)
        raise Referral(NO_LIVE_FACE if faceless == self.attempts else FACE_QUALITY_INSUFFICIENT)

    def _accept(
        self, result: SequenceResult, attempt: int, stage_ms: dict[str, float]
    ) -> LiveFace | None:
        best = result.best_frame
        if best is None or result.liveness is None:  # no passing frame, or too few for PAD
            return None
        pad_score = float(result.liveness.fused_score)
        if result.liveness.is_attack:
            logger.warning("face capture: presentation attack suspected (score %.2f)", pad_score)
            raise Referral(PRESENTATION_ATTACK)
        assert result.template is not None  # embedded when liveness passed
        template = FaceTemplate(
            model_id=self._pipeline.model_id,
            model_version=self._pipeline.model_version,
            vector=tuple(float(v) for v in result.template),
            quality={name: round(score, 2) for name, score in best.quality.scores.items()},
        )
        logger.info("face capture accepted on attempt %s", attempt)
        return LiveFace(
            template=template, pad_score=pad_score, attempts=attempt, stage_ms=dict(stage_ms)
        )


def _most_common_failure(result: SequenceResult) -> str:
    """The first (most actionable) guidance code, most frequent over the attempt's frames."""
    codes = Counter(f.quality.guidance[0] for f in result.frames if f.quality.guidance)
    if not codes:
        return "NO_FACE"
    top = max(codes.values())
    order = [code for code in GUIDANCE if code != "NO_FACE"] + ["NO_FACE"]  # faces win ties
    return next(code for code in order if codes[code] == top)

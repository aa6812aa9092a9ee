"""The kiosk's presentation-attack detector: sequence + model + texture signals.

Why: one object, built from verified model files, that the lane controller
asks "is this presentation an attack?" before a face match may count. See
``decision.py`` for the fusion rule and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from openabc.inference.detector import FaceDetection
from openabc.pad.decision import PadDecision, PadThresholds, assess_presentation
from openabc.pad.model_signal import ModelSignal, load_model_signal


class PresentationAttackDetector:
    """Fuses the frame-sequence signal, the ONNX model signal and the texture signal."""

    def __init__(self, model: ModelSignal, thresholds: PadThresholds | None = None) -> None:
        self.model = model
        self.thresholds = thresholds or PadThresholds()

    def assess(
        self, frames: Sequence[npt.NDArray[np.uint8]], faces: Sequence[FaceDetection]
    ) -> PadDecision:
        """Decide from RGB uint8 HxWx3 frames (>= 2) and the subject's detection in each.

        Raises ``ValueError`` for fewer than two frames or mismatched lengths, and
        ``openabc.inference.errors.ModelError`` if the model misbehaves: a kiosk
        that cannot assess the presentation must not match.
        """
        hand = assess_presentation(frames, faces, self.thresholds)
        evidence = self.model.evidence(frames, faces)
        return replace(hand, model_score=evidence.score, model_frame_scores=evidence.frame_scores)


def build_pad_detector(models_dir: Path, *, threads: int = 1) -> PresentationAttackDetector:
    """The detector with its model loaded from ``models_dir`` and sha256-verified."""
    return PresentationAttackDetector(load_model_signal(models_dir, threads=threads))

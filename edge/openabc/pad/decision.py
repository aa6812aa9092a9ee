"""PAD decision: independent signals, each scored in [0, 1], fused by the sum rule.

Why: the signals fail in different ways. The frame-sequence signal (parallax,
blink; ``motion.py``) does not look at texture; the model signal (in-repo CNN
run by onnxruntime; ``model_signal.py``) and the hand-crafted texture signal
(moire, grain; ``texture.py``) judge the medium in single frames and do not
look at motion. Each score crosses 0.5 exactly at its own decision point.

Fusion is the unweighted mean of the available scores (sum rule). "Either
vetoes" was tried with two signals and doubled BPCER, because a live face that
happens not to blink within six frames fails the motion cue alone (the
sequence signal alone has BPCER ~12% on the held-out emulated set). With the
model present, a bona fide presentation is rejected only if the signals are
wrong together, and one weak medium cue cannot decide alone. The hand-crafted
texture is kept as a third, explainable vote: it has no trained parameters,
so it does not share the CNN's training-data blind spots. References were set
on the emulated species (bench/bench_pad.py) and must be recalibrated on real
captures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from openabc.inference.detector import FaceDetection
from openabc.pad.motion import MotionEvidence, motion_evidence
from openabc.pad.texture import texture_evidence

ATTACK_THRESHOLD = 0.5


@dataclass(frozen=True)
class PadThresholds:
    """Evidence levels at which each hand-crafted cue alone decides (score 0.5)."""

    parallax: float = 0.08  # median nose residual, inter-eye distances; MTCNN noise ~0.05
    blink: float = 0.045  # shared eye/bridge brightness ratio change
    moire: float = 200.0  # band peak / band mean; skin and print stay below ~90
    grain: float = 5.6  # median |Laplacian|, grey levels; skin here <= 5.4, print >= 5.8


@dataclass(frozen=True)
class PadDecision:
    """Per-signal attack scores and the fused verdict; no image data.

    ``model_score`` is None only on the hand-crafted path (``assess_presentation``);
    the kiosk's ``PresentationAttackDetector`` always sets it.
    """

    sequence_score: float
    texture_score: float
    motion: MotionEvidence
    moire: float
    grain: float
    model_score: float | None = None
    model_frame_scores: tuple[float, ...] = ()

    @property
    def scores(self) -> dict[str, float]:
        """The signals that voted, by name."""
        out = {"sequence": self.sequence_score, "texture": self.texture_score}
        if self.model_score is not None:
            out["model"] = self.model_score
        return out

    @property
    def sequence_attack(self) -> bool:
        return self.sequence_score >= ATTACK_THRESHOLD

    @property
    def texture_attack(self) -> bool:
        return self.texture_score >= ATTACK_THRESHOLD

    @property
    def model_attack(self) -> bool:
        return self.model_score is not None and self.model_score >= ATTACK_THRESHOLD

    @property
    def fused_score(self) -> float:
        """Sum rule: mean of the available signal scores."""
        values = list(self.scores.values())
        return float(sum(values) / len(values))

    @property
    def is_attack(self) -> bool:
        """The verdict that vetoes a match."""
        return self.fused_score >= ATTACK_THRESHOLD


def assess_presentation(
    frames: Sequence[npt.NDArray[np.uint8]],
    faces: Sequence[FaceDetection],
    thresholds: PadThresholds | None = None,
) -> PadDecision:
    """Hand-crafted signals only (sequence + texture), without the model.

    The kiosk uses ``openabc.pad.detector.PresentationAttackDetector``, which
    adds the model score to this decision.
    """
    t = thresholds or PadThresholds()
    motion = motion_evidence(frames, faces)
    live = max(motion.parallax / t.parallax, motion.blink / t.blink)
    cues = [texture_evidence(fr, f) for fr, f in zip(frames, faces, strict=True)]
    moire = float(np.median([c.moire for c in cues]))
    grain = float(np.median([c.grain for c in cues]))
    medium = max(moire / t.moire, grain / t.grain)
    return PadDecision(
        sequence_score=float(0.5**live),
        texture_score=float(1.0 - 0.5**medium),
        motion=motion,
        moire=moire,
        grain=grain,
    )

"""PAD decision: two independent signals fused by the sum rule.

Why: the motion signal (parallax, blink) and the texture signal (moire, grain)
fail in different ways. Each yields an attack score in [0, 1] that crosses 0.5
exactly when its evidence reaches the reference level in ``PadThresholds``.
The verdict uses their mean (sum-rule fusion): "either vetoes" was tried and
doubled BPCER, because a live face that happens not to blink within six
frames fails the motion cue alone. References were set on the emulated
species (bench/bench_pad.py) and must be recalibrated on real captures.
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
    """Evidence levels at which each cue alone decides (score 0.5)."""

    parallax: float = 0.08  # median nose residual, inter-eye distances; MTCNN noise ~0.05
    blink: float = 0.045  # shared eye/bridge brightness ratio change
    moire: float = 200.0  # band peak / band mean; skin and print stay below ~90
    grain: float = 5.6  # median |Laplacian|, grey levels; skin here <= 5.4, print >= 5.8


@dataclass(frozen=True)
class PadDecision:
    """Per-signal attack scores and the fused verdict; no image data."""

    sequence_score: float
    texture_score: float
    motion: MotionEvidence
    moire: float
    grain: float

    @property
    def sequence_attack(self) -> bool:
        return self.sequence_score >= ATTACK_THRESHOLD

    @property
    def texture_attack(self) -> bool:
        return self.texture_score >= ATTACK_THRESHOLD

    @property
    def fused_score(self) -> float:
        return 0.5 * (self.sequence_score + self.texture_score)

    @property
    def is_attack(self) -> bool:
        """The verdict that vetoes a match."""
        return self.fused_score >= ATTACK_THRESHOLD


def assess_presentation(
    frames: Sequence[npt.NDArray[np.uint8]],
    faces: Sequence[FaceDetection],
    thresholds: PadThresholds | None = None,
) -> PadDecision:
    """Decide bona fide vs attack from a frame sequence and the subject's detection per frame."""
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

"""Frame-sequence PAD signal: a live face is not a rigid plane and it blinks.

Why: a print or a replayed screen moves as one flat sheet, so its five
landmarks follow a single plane-to-plane map and its eye regions never change
against the rest of the face. A live head turning shows parallax: the nose tip
sits ~0.5 inter-eye distances in front of the eye/mouth plane, so it moves
relative to an affine map fitted to the two eyes and the mouth corners
(an affine map is a homography to first order for a small hand-held tilt).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from openabc.inference.align import align_face
from openabc.inference.detector import FaceDetection

_PLANAR = [0, 1, 3, 4]  # eyes and mouth corners: roughly one plane on a face
_NOSE = 2
# Patches on the 150 px aligned chip (x0, y0, x1, y1): generous eye boxes, so
# landmark jitter of a few px barely moves their mean, and the nose bridge on
# the same rows as the reference, so exposure changes and horizontal screen
# banding cancel.
_EYES = ((37, 40, 58, 52), (92, 40, 113, 52))
_BRIDGE = (68, 40, 81, 52)


@dataclass(frozen=True)
class MotionEvidence:
    """Liveness cues over a sequence, each in units of its reference level."""

    parallax: float  # median-frame nose residual / inter-eye distance
    blink: float  # largest shared eye/bridge brightness ratio change
    frames: int


def nose_parallax(landmarks: Sequence[npt.NDArray[np.float64]]) -> float:
    """Median nose residual (inter-eye distances) after an affine fit of the plane points.

    The median, not the maximum, so one frame of landmark noise is not parallax.
    """
    ref = landmarks[0]
    ied = float(np.linalg.norm(ref[1] - ref[0]))
    if ied <= 0.0:
        return 0.0
    src = np.hstack([ref[_PLANAR], np.ones((4, 1))])
    nose_src = np.append(ref[_NOSE], 1.0)
    residuals = []
    for lm in landmarks[1:]:
        affine, *_ = np.linalg.lstsq(src, lm[_PLANAR], rcond=None)
        residuals.append(float(np.linalg.norm(nose_src @ affine - lm[_NOSE])) / ied)
    return float(np.median(residuals))


def eye_ratios(frame: npt.NDArray[np.uint8], face: FaceDetection) -> tuple[float, float]:
    """Each eye's mean brightness over the nose bridge's, on the aligned chip."""
    chip = align_face(frame, face.landmarks).astype(np.float64).mean(axis=2)

    def mean(box: tuple[int, int, int, int]) -> float:
        x0, y0, x1, y1 = box
        return float(chip[y0:y1, x0:x1].mean())

    bridge = max(mean(_BRIDGE), 1.0)
    return mean(_EYES[0]) / bridge, mean(_EYES[1]) / bridge


def blink_strength(ratios: npt.NDArray[np.float64]) -> float:
    """Largest frame change from the median that both eyes share, in the same direction.

    Why both: landmark jitter moves one eye box at a time; eyelids close together.
    """
    dev = ratios - np.median(ratios, axis=0)
    same_sign = np.sign(dev[:, 0]) == np.sign(dev[:, 1])
    shared = np.where(same_sign, np.min(np.abs(dev), axis=1), 0.0)
    return float(shared.max())


def motion_evidence(
    frames: Sequence[npt.NDArray[np.uint8]], faces: Sequence[FaceDetection]
) -> MotionEvidence:
    """Parallax and blink cues from frames and the subject's detection in each."""
    if len(frames) != len(faces) or len(frames) < 2:
        raise ValueError("need at least two frames, each with the subject's detection")
    parallax = nose_parallax([f.landmarks for f in faces])
    ratios = np.array([eye_ratios(fr, f) for fr, f in zip(frames, faces, strict=True)])
    blink = blink_strength(ratios)
    return MotionEvidence(parallax=parallax, blink=blink, frames=len(frames))

"""OFIQ-inspired face image quality: per-measure scores, verdict and traveller guidance.

Why: EES wants the face checked at capture so the kiosk can ask the traveller
to change something before it gives up. The measures follow the spirit of
ISO/IEC 29794-5 (OFIQ) but are simpler re-implementations, NOT conformant OFIQ.
Every score is 0-100 and reaches 50 exactly at its threshold, so pass means
every score >= 50. Pose from the 5 MTCNN landmarks (image left/right):
roll is the eye line's angle; after undoing roll, with E/M the eye/mouth
midpoints, N the nose and h = M.y - E.y, the nose tip sits about
NOSE_DEPTH * h in front of the eye-mouth plane, so sin(yaw) = (N.x - (E.x+M.x)/2)
/ (NOSE_DEPTH * h) and tan(pitch) = ((N.y - E.y) / h - FRONTAL_NOSE) / NOSE_DEPTH.
Yaw > 0: nose towards image right; pitch > 0: nose down.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from openabc.inference.align import TEMPLATE_150, TEMPLATE_SIZE, align_face
from openabc.inference.detector import FaceDetection

NOSE_DEPTH = 0.45  # nose-tip depth / eye-mouth distance, an anthropometric guess
_EYE_Y, _MOUTH_Y = TEMPLATE_150[:2, 1].mean(), TEMPLATE_150[3:, 1].mean()
FRONTAL_NOSE = float((TEMPLATE_150[2, 1] - _EYE_Y) / (_MOUTH_Y - _EYE_Y))  # (N.y-E.y)/h frontal
_INNER = slice(30, 120)  # inner face rows/cols on the 150 px chip
_EYE_BOXES = ((35, 36, 60, 56), (90, 36, 115, 56))
GUIDANCE = {
    "NO_FACE": "please stand in front of the camera",
    "ONE_PERSON": "only one person please",
    "STEP_CLOSER": "step closer",
    "STEP_BACK": "step back",
    "LOOK_STRAIGHT": "look straight at the camera",
    "MORE_LIGHT": "more light needed",
    "LESS_LIGHT": "too much light on the face",
    "HOLD_STILL": "hold still",
    "EYES_VISIBLE": "keep your eyes open and uncovered",
}


@dataclass(frozen=True)
class QualityThresholds:
    """Acceptance limits in physical units; each maps to score 50."""

    min_ied_px: float = 60.0  # ISO/IEC 19794-5 token-frontal minimum inter-eye distance
    max_ied_px: float = 240.0
    max_yaw_deg: float = 15.0
    max_pitch_deg: float = 15.0
    max_roll_deg: float = 10.0
    min_sharpness: float = 60.0  # Laplacian variance, inner chip stretched to contrast 100
    luminance_range: tuple[float, float] = (55.0, 205.0)  # mean inner-face grey level
    min_contrast: float = 40.0  # p95 - p5 inner-face grey levels
    min_eye_std: float = 6.0  # grey std inside each eye box
    confident_face_score: float = 0.9


@dataclass(frozen=True)
class QualityReport:
    """Scores 0-100 per measure, raw values, verdict and guidance codes; no image data."""

    scores: dict[str, float]
    values: dict[str, float]
    passed: bool
    guidance: tuple[str, ...]

    @property
    def guidance_text(self) -> tuple[str, ...]:
        return tuple(GUIDANCE[code] for code in self.guidance)


def pose_degrees(landmarks: npt.NDArray[np.float64]) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees from 5 landmarks; see the module docstring."""
    le, re = landmarks[0], landmarks[1]
    roll = float(np.arctan2(re[1] - le[1], re[0] - le[0]))
    c, s = np.cos(-roll), np.sin(-roll)
    pts = (landmarks - le) @ np.array([[c, s], [-s, c]])
    eyes, mouth, nose = pts[:2].mean(axis=0), pts[3:].mean(axis=0), pts[2]
    h = float(mouth[1] - eyes[1])
    if h <= 0.0:
        return 90.0, 90.0, float(np.degrees(roll))
    sin_yaw = (nose[0] - 0.5 * (eyes[0] + mouth[0])) / (NOSE_DEPTH * h)
    yaw = float(np.degrees(np.arcsin(np.clip(sin_yaw, -1.0, 1.0))))
    pitch = float(np.degrees(np.arctan(((nose[1] - eyes[1]) / h - FRONTAL_NOSE) / NOSE_DEPTH)))
    return yaw, pitch, float(np.degrees(roll))


def _ramp(value: float, at_50: float) -> float:
    """100 * value / (2 * at_50), clipped to 0-100: 50 at the threshold."""
    return float(np.clip(50.0 * value / at_50, 0.0, 100.0)) if at_50 > 0 else 100.0


def _laplacian_var(grey: npt.NDArray[np.float64]) -> float:
    """Focus measure; callers stretch contrast first so a dark face is not called blurred."""
    lap = 4 * grey[1:-1, 1:-1] - grey[:-2, 1:-1] - grey[2:, 1:-1] - grey[1:-1, :-2] - grey[1:-1, 2:]
    return float(lap.var())


def assess(
    frame: npt.NDArray[np.uint8],
    detections: Sequence[FaceDetection],
    thresholds: QualityThresholds | None = None,
    *,
    chip: npt.NDArray[np.uint8] | None = None,
) -> QualityReport:
    """Quality of the subject (highest-scoring detection) in an RGB uint8 frame.

    ``chip`` is the subject's 150 px aligned chip when the caller already has it
    (the face pipeline aligns once for quality and embedding).
    """
    t = thresholds or QualityThresholds()
    if not detections:
        return QualityReport(scores={}, values={}, passed=False, guidance=("NO_FACE",))
    face = detections[0]
    lm = face.landmarks
    confident = sum(d.score >= t.confident_face_score for d in detections)
    ied = float(np.linalg.norm(lm[1] - lm[0]))
    yaw, pitch, roll = pose_degrees(lm)
    if chip is None or chip.shape != (TEMPLATE_SIZE, TEMPLATE_SIZE, 3):
        chip = align_face(frame, lm)
    grey = chip.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    inner = grey[_INNER, _INNER]
    lum = float(inner.mean())
    lo, hi = t.luminance_range
    p5, p95 = np.percentile(inner, [5.0, 95.0])
    eye_std = min(float(grey[y0:y1, x0:x1].std()) for x0, y0, x1, y1 in _EYE_BOXES)
    plausible = bool(lm[0, 0] < lm[2, 0] < lm[1, 0] and max(lm[0, 1], lm[1, 1]) < lm[2, 1])
    values = {
        "inter_eye_px": ied,
        "yaw_deg": yaw,
        "pitch_deg": pitch,
        "roll_deg": roll,
        "sharpness": _laplacian_var((inner - p5) * (100.0 / max(float(p95 - p5), 1.0))),
        "luminance": lum,
        "contrast": float(p95 - p5),
        "eye_std": eye_std,
        "confident_faces": float(confident),
    }
    pose_excess = max(
        abs(yaw) / t.max_yaw_deg, abs(pitch) / t.max_pitch_deg, abs(roll) / t.max_roll_deg
    )
    scores = {
        "one_face": 100.0 if confident <= 1 else 0.0,
        "face_size": min(_ramp(ied, t.min_ied_px), _ramp(2 * t.max_ied_px - ied, t.max_ied_px)),
        "pose": float(np.clip(100.0 - 50.0 * pose_excess, 0.0, 100.0)),
        "exposure": _ramp(hi - lo - abs(lum - (lo + hi) / 2), (hi - lo) / 2),
        "contrast": _ramp(values["contrast"], t.min_contrast),
        "sharpness": _ramp(values["sharpness"], t.min_sharpness),
        "eyes_visible": _ramp(eye_std, t.min_eye_std) if plausible else 0.0,
    }
    guidance = _guidance(scores, ied < t.min_ied_px, lum < (lo + hi) / 2)
    return QualityReport(scores=scores, values=values, passed=not guidance, guidance=guidance)


def _guidance(scores: dict[str, float], too_far: bool, too_dark: bool) -> tuple[str, ...]:
    """Failed measures -> guidance codes, most actionable first, no duplicates."""
    failed = {name for name, score in scores.items() if score < 50.0}
    codes = {
        "one_face": "ONE_PERSON",
        "face_size": "STEP_CLOSER" if too_far else "STEP_BACK",
        "pose": "LOOK_STRAIGHT",
        "exposure": "MORE_LIGHT" if too_dark else "LESS_LIGHT",
        "contrast": "MORE_LIGHT",
        "sharpness": "HOLD_STILL",
        "eyes_visible": "EYES_VISIBLE",
    }
    ordered = [codes[name] for name in codes if name in failed]
    return tuple(dict.fromkeys(ordered))

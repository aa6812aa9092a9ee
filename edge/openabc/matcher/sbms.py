"""sBMS: one calibrated biometric score from the face and the fingers, 1:1 and 1:N.

Method (score-level fusion, ISO/IEC TR 24722 "multimodal fusion"): each
modality's raw comparison score is mapped to a log-likelihood ratio
LLR = ln p(score | same person) / p(score | different persons), with a
linear-logistic calibration (the standard of speaker/forensic biometrics,
Brümmer's FoCal; ``fit_linear_llr`` fits it from genuine/impostor scores).
Under independence of the modalities LLRs add (the sum rule on calibrated
scores), so the fused score is ``face LLR + sum of finger LLRs``. Each LLR is
clipped: a calibration set cannot support a likelihood ratio beyond what its
tails measured, and one modality must not drown the other.

Parameters and where they come from (``default_calibration``):

* finger (Bozorth3 score s, per compared position): LLR = 0.217 (s - 28),
  clipped to [-4, +4]. From ``models/finger-nbis-bozorth3/1.2.7/comparator.yaml``
  (``openabc eval finger`` on synthetic fingers, 400 genuine / 19 500
  impostor comparisons): the genuine and impostor densities cross near the
  EER score 28 (LLR 0); between 40 and 44 FNMR rises 5.0 -> 7.5 % and FMR
  falls 0.21 -> 0.087 %, a density ratio of ~21 at 42 (LLR 3.0), hence the
  slope 3.0 / 14 = 0.217 per point (the impostor tail alone decays
  ln(2.4)/4 = 0.22 per point: consistent). +-4 (likelihood ratio ~55) is about
  what 400 genuine comparisons can resolve at the tails.
* face (dlib distance d): LLR = 20 (t - d), clipped to [-4, +3], t the model's
  ``verify_distance`` (0.6): dlib's threshold is its balanced-pair decision
  point, i.e. LLR 0, so a face alone passes exactly as before fusion. The
  slope is NOT measured (the only local face data are 10 pairs): it is set so
  0.05 of distance is one unit of LLR and the face's strongest evidence (+3,
  d <= t - 0.15) is less than one clearly non-matching finger pair.

Agencies must recalibrate both with ``openabc eval face|finger`` on their own
labelled data (``fit_linear_llr`` on the genuine/impostor scores it writes)
before automatic decisions are enabled.

1:1 rule (``verify``), deliberately asymmetric:

* PASS when the fused LLR >= 0, and
* the face is within ``face_rescue_distance`` (t + 0.1): fingers may rescue a
  weak face (a poor live capture, ageing since the chip photo) but not a face
  that contradicts the document's portrait (``face_mismatch``), and
* when fingers were compared, their LLR is >= ``finger_veto`` (-2): a good
  face cannot outvote fingers that are evidence of another person
  (``finger_mismatch``).
* A missing modality is explicit (``missing``) and the fused score is the
  other's alone; nothing compared, or an error in either, is never a pass.

1:N rule (``search``): face candidates (top-k of the gallery) and finger
candidates (bounded scan) are merged and ranked by fused LLR; a candidate is a
hit when its fused LLR reaches the face LLR at the identity search distance,
so a face-only search keeps its old meaning. There is no face veto in 1:N: a
person re-enrolling under another identity may have changed their look, and
every such hit is a YELLOW link a guard verifies.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from openabc.fingerprint.extractor import FingerTemplate
from openabc.fingerprint.matcher import DEFAULT_THRESHOLD
from openabc.fingerprint.types import Finger
from openabc.matcher.fingers import SCREEN_SHORTLIST, scan_finger_gallery
from openabc.matcher.gallery import GalleryIndex
from openabc.messages import CheckOutcome, FaceTemplate, Reason


class Modality(StrEnum):
    FACE = "face"
    FINGER = "finger"


@dataclass(frozen=True)
class LinearLLR:
    """LLR = slope x (score - offset), clipped to [low, high].

    For a distance (smaller is more similar) the slope is negative.
    """

    slope: float
    offset: float
    low: float
    high: float

    def __call__(self, score: float) -> float:
        return min(self.high, max(self.low, self.slope * (score - self.offset)))


@dataclass(frozen=True)
class Calibration:
    """Per-modality LLR maps and the 1:1 rule's limits (see the module docstring)."""

    face: LinearLLR
    finger: LinearLLR
    face_rescue_distance: float
    finger_veto: float = -2.0
    threshold: float = 0.0
    """Fused LLR needed for a 1:1 PASS (0: face-only keeps ``verify_distance``)."""
    provenance: str = ""

    def face_llr_at(self, distance: float) -> float:
        return self.face(distance)


FACE_SLOPE = -20.0
FACE_RESCUE_MARGIN = 0.1
FINGER_SLOPE = 0.217
FINGER_NEUTRAL_BELOW_THRESHOLD = 12.0
"""The finger LLR is 0 at threshold - 12 (28 for Bozorth3 at 40, the EER score)."""


def default_calibration(
    verify_distance: float, finger_threshold: float = DEFAULT_THRESHOLD
) -> Calibration:
    """The shipped calibration, anchored on the deployed thresholds (docstring above)."""
    return Calibration(
        face=LinearLLR(FACE_SLOPE, verify_distance, -4.0, 3.0),
        finger=LinearLLR(
            FINGER_SLOPE, finger_threshold - FINGER_NEUTRAL_BELOW_THRESHOLD, -4.0, 4.0
        ),
        face_rescue_distance=verify_distance + FACE_RESCUE_MARGIN,
        provenance=(
            "finger: comparator.yaml (openabc eval finger, synthetic, 400 gen / 19500 imp); "
            "face: anchored at verify_distance, slope not measured; recalibrate with openabc eval"
        ),
    )


def fit_linear_llr(
    genuine: Sequence[float], impostor: Sequence[float], *, iterations: int = 50
) -> tuple[float, float]:
    """(slope, offset) of the logistic regression of "same person" on the score.

    Prior-weighted so both classes count equally: the fitted log-odds are then
    an LLR (Brümmer & du Preez 2006). For an agency's ``openabc eval`` scores.
    """
    x = np.concatenate([np.asarray(genuine, float), np.asarray(impostor, float)])
    y = np.concatenate([np.ones(len(genuine)), np.zeros(len(impostor))])
    w = np.concatenate(
        [np.full(len(genuine), 0.5 / len(genuine)), np.full(len(impostor), 0.5 / len(impostor))]
    )
    design = np.stack([x, np.ones_like(x)], axis=1)
    beta = np.zeros(2)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(design @ beta)))
        gradient = design.T @ (w * (y - p))
        hessian = design.T @ (design * (w * p * (1 - p) + 1e-12)[:, np.newaxis])
        step = np.linalg.solve(hessian + 1e-9 * np.eye(2), gradient)
        beta += step
        if float(np.abs(step).max()) < 1e-10:
            break
    slope, intercept = float(beta[0]), float(beta[1])
    return slope, (-intercept / slope if slope else math.inf)


@dataclass(frozen=True)
class FusedComparison:
    """A 1:1 sBMS verdict: fused LLR, its threshold and each modality's part."""

    outcome: CheckOutcome
    score: float | None
    threshold: float
    parts: dict[Modality, float] = field(default_factory=dict)
    missing: tuple[Modality, ...] = ()
    reasons: tuple[Reason, ...] = ()


def verify(
    face_distance: float | None,
    finger_scores: Sequence[float] | None,
    calibration: Calibration,
    *,
    finger_outcome: CheckOutcome | None = None,
    finger_reason: Reason | None = None,
) -> FusedComparison:
    """Fuse one traveller's 1:1 comparisons (None: that modality was not compared).

    ``finger_scores`` empty (compared, nothing in common) is a FAIL.
    ``finger_outcome`` is the finger check's own outcome: UNAVAILABLE (an
    error) makes the fused verdict UNAVAILABLE, a FAIL with a reason other
    than a mismatch (a malformed template) is a FAIL with that reason.
    """
    threshold = calibration.threshold
    if finger_outcome is not None and finger_outcome not in (CheckOutcome.PASS, CheckOutcome.FAIL):
        return FusedComparison(CheckOutcome.UNAVAILABLE, None, threshold)
    if finger_outcome is CheckOutcome.FAIL and finger_reason not in (None, Reason.FINGER_MISMATCH):
        return FusedComparison(CheckOutcome.FAIL, None, threshold, reasons=(finger_reason,))
    if finger_scores is not None and not finger_scores:
        # fingers sent and enrolled, but no position in common: as before
        # fusion, a guard checks (never a silent fall back to the face)
        return FusedComparison(
            CheckOutcome.FAIL, None, threshold, reasons=(Reason.FINGER_MISMATCH,)
        )
    parts: dict[Modality, float] = {}
    if face_distance is not None:
        parts[Modality.FACE] = calibration.face(face_distance)
    if finger_scores:
        parts[Modality.FINGER] = sum(calibration.finger(s) for s in finger_scores)
    missing = tuple(m for m in Modality if m not in parts)
    if not parts:
        return FusedComparison(CheckOutcome.UNAVAILABLE, None, threshold, missing=missing)
    score = sum(parts.values())
    reasons: list[Reason] = []
    face, finger = parts.get(Modality.FACE), parts.get(Modality.FINGER)
    if (
        face is not None
        and face_distance is not None
        and (face_distance > calibration.face_rescue_distance or (score < threshold and face < 0))
    ):
        reasons.append(Reason.FACE_MISMATCH)
    if finger is not None and (
        finger < calibration.finger_veto or (score < threshold and finger < 0)
    ):
        reasons.append(Reason.FINGER_MISMATCH)
    if score < threshold and not reasons:  # cannot happen with a 0 threshold; never a pass
        reasons.append(Reason.FACE_MISMATCH if face is not None else Reason.FINGER_MISMATCH)
    outcome = CheckOutcome.FAIL if reasons else CheckOutcome.PASS
    return FusedComparison(outcome, score, threshold, parts, missing, tuple(reasons))


@dataclass(frozen=True)
class FusedCandidate:
    """A 1:N candidate: fused LLR, face distance and finger scores where compared."""

    person_id: str
    score: float
    face_distance: float | None
    finger_scores: dict[Finger, float]
    parts: dict[Modality, float]


@dataclass(frozen=True)
class SearchResult:
    """Hits (fused LLR >= threshold), best first, and what the finger scan did."""

    hits: list[FusedCandidate]
    threshold: float
    finger_searched: bool
    finger_scores: dict[str, dict[Finger, float]] = field(default_factory=dict)
    """Every fully compared person's finger scores (reusable by the 1:1)."""


def search(
    gallery: GalleryIndex,
    live_face: FaceTemplate | None,
    finger_probes: Mapping[Finger, FingerTemplate],
    k: int,
    *,
    calibration: Calibration,
    search_distance: float,
    finger_gallery: Mapping[str, Mapping[Finger, FingerTemplate]],
    finger_threshold: float = DEFAULT_THRESHOLD,
    shortlist: int = SCREEN_SHORTLIST,
) -> SearchResult:
    """Fused 1:N over the face gallery and the finger gallery.

    Face candidates are the top ``k``; finger candidates come from a bounded
    scan (``fingers.scan_finger_gallery``, which also scores every face
    candidate that has fingers). A finger-only candidate gets its exact face
    distance when enrolled in the face gallery.
    """
    threshold = calibration.face_llr_at(search_distance)
    face_hits: dict[str, float] = {}
    if live_face is not None:
        face_hits = dict(gallery.search(live_face, k))
    finger_hits: dict[str, dict[Finger, float]] = {}
    if finger_probes and finger_gallery:
        finger_hits = scan_finger_gallery(
            finger_probes,
            finger_gallery,
            threshold=finger_threshold,
            shortlist=shortlist,
            always=face_hits,
        )
    candidates: list[FusedCandidate] = []
    for person_id in _union(face_hits, finger_hits):
        distance = face_hits.get(person_id)
        if distance is None and live_face is not None:
            distance = gallery.distance(person_id, live_face)
        parts: dict[Modality, float] = {}
        if distance is not None:
            parts[Modality.FACE] = calibration.face(distance)
        scores = finger_hits.get(person_id, {})
        if scores:
            parts[Modality.FINGER] = sum(calibration.finger(s) for s in scores.values())
        candidates.append(FusedCandidate(person_id, sum(parts.values()), distance, scores, parts))
    hits = [c for c in candidates if _is_hit(c, threshold, search_distance)]
    hits.sort(key=lambda c: (-c.score, c.person_id))
    return SearchResult(hits, threshold, bool(finger_probes and finger_gallery), finger_hits)


def _is_hit(candidate: FusedCandidate, threshold: float, search_distance: float) -> bool:
    """Fused LLR over the threshold; face-only exactly the old distance rule."""
    if Modality.FINGER in candidate.parts:
        return candidate.score >= threshold
    return candidate.face_distance is not None and candidate.face_distance <= search_distance


def _union(*groups: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(p for group in groups for p in group))

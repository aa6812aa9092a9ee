"""FMR, FNMR, threshold at a target FMR, EER and DET points from score lists.

Why: thresholds must be stated as error rates measured on the deployment
population. Comparators disagree on score direction (Bozorth3: larger is more
similar; face descriptors: smaller distance is more similar), so the direction
is an explicit argument everywhere and never guessed. With N impostor pairs the
smallest non-zero FMR that can be observed is 1/N; results below that are
reported as "limited by the data" with an exact upper confidence bound.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt
from scipy.stats import beta

Scores = npt.NDArray[np.float64]


class Direction(StrEnum):
    """How a score relates to a match decision."""

    SIMILARITY = "similarity"  # accept when score >= threshold
    DISTANCE = "distance"  # accept when score <= threshold


def as_scores(values: npt.ArrayLike) -> Scores:
    """Validated 1-D float64 copy; NaN scores would make every rate meaningless."""
    arr = np.asarray(values, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(arr)):
        raise ValueError("scores must be finite")
    return arr


def _similar(scores: Scores, direction: Direction) -> Scores:
    """Map to similarity (larger = more alike) so one code path serves both."""
    return scores if direction is Direction.SIMILARITY else -scores


def accepted(
    scores: npt.ArrayLike, threshold: float, direction: Direction
) -> npt.NDArray[np.bool_]:
    """The comparison decision for each score at ``threshold``."""
    arr = as_scores(scores)
    if direction is Direction.SIMILARITY:
        return arr >= threshold
    return arr <= threshold


def fmr_at(impostor: npt.ArrayLike, threshold: float, direction: Direction) -> float:
    """False match rate: share of impostor comparisons accepted."""
    arr = as_scores(impostor)
    if arr.size == 0:
        raise ValueError("no impostor scores")
    return float(np.mean(accepted(arr, threshold, direction)))


def fnmr_at(genuine: npt.ArrayLike, threshold: float, direction: Direction) -> float:
    """False non-match rate: share of genuine comparisons rejected."""
    arr = as_scores(genuine)
    if arr.size == 0:
        raise ValueError("no genuine scores")
    return float(np.mean(~accepted(arr, threshold, direction)))


def upper_bound(errors: int, trials: int, confidence: float = 0.95) -> float:
    """Exact one-sided Clopper-Pearson upper bound of an error rate.

    Why: "0 false matches in 7 impostor pairs" must not be read as FMR 0; the
    bound (here 34.8 %) says what the data can actually support.
    """
    if trials <= 0:
        raise ValueError("no trials")
    if errors >= trials:
        return 1.0
    return float(beta.ppf(confidence, errors + 1, trials - errors))


@dataclass(frozen=True)
class OperatingPoint:
    """A threshold and the error rates observed at it."""

    threshold: float
    fmr: float
    fnmr: float
    false_matches: int
    false_non_matches: int
    n_impostor: int
    n_genuine: int

    @property
    def min_measurable_fmr(self) -> float:
        """1/N_impostor: the smallest non-zero FMR this data can show."""
        return 1.0 / self.n_impostor

    @property
    def fmr_upper95(self) -> float:
        return upper_bound(self.false_matches, self.n_impostor)


def operating_point(
    genuine: npt.ArrayLike, impostor: npt.ArrayLike, threshold: float, direction: Direction
) -> OperatingPoint:
    """Counts and rates at a given threshold."""
    gen, imp = as_scores(genuine), as_scores(impostor)
    if gen.size == 0 or imp.size == 0:
        raise ValueError("need genuine and impostor scores")
    fm = int(np.count_nonzero(accepted(imp, threshold, direction)))
    fnm = int(np.count_nonzero(~accepted(gen, threshold, direction)))
    return OperatingPoint(
        threshold=float(threshold),
        fmr=fm / imp.size,
        fnmr=fnm / gen.size,
        false_matches=fm,
        false_non_matches=fnm,
        n_impostor=int(imp.size),
        n_genuine=int(gen.size),
    )


@dataclass(frozen=True)
class TargetPoint:
    """The most permissive threshold whose observed FMR does not exceed a target."""

    target_fmr: float
    point: OperatingPoint

    @property
    def limited_by_data(self) -> bool:
        """True when the target is below 1/N_impostor, so it cannot be verified."""
        return self.target_fmr < self.point.min_measurable_fmr


def threshold_at_fmr(
    genuine: npt.ArrayLike, impostor: npt.ArrayLike, target_fmr: float, direction: Direction
) -> TargetPoint:
    """Threshold and FNMR at the largest observed FMR <= ``target_fmr``.

    At most floor(target * N_impostor) impostor scores may be accepted; the
    threshold is the least strict observed score that keeps to that (or a value
    just beyond the best impostor when no observed score does). When the target
    is below 1/N the result has FMR 0 and ``limited_by_data`` is set.
    """
    if not 0.0 <= target_fmr <= 1.0:
        raise ValueError("target FMR must be within [0, 1]")
    gen, imp = as_scores(genuine), as_scores(impostor)
    if gen.size == 0 or imp.size == 0:
        raise ValueError("need genuine and impostor scores")
    g, i = _similar(gen, direction), _similar(imp, direction)
    allowed = int(np.floor(target_fmr * i.size + 1e-9))
    if allowed >= i.size:
        sim_threshold = float(min(g.min(), i.min()))
    else:
        # Must reject the (allowed+1)-th best impostor score and all below it.
        barrier = float(np.sort(i)[::-1][allowed])
        pool = np.concatenate([g, i])
        above = pool[pool > barrier]
        sim_threshold = float(above.min()) if above.size else float(np.nextafter(barrier, np.inf))
    threshold = sim_threshold if direction is Direction.SIMILARITY else -sim_threshold
    return TargetPoint(target_fmr, operating_point(gen, imp, threshold, direction))


@dataclass(frozen=True)
class ErrorTradeoff:
    """FMR and FNMR at every distinct threshold, strictest last (a DET curve)."""

    thresholds: Scores
    fmr: Scores
    fnmr: Scores


def error_tradeoff(
    genuine: npt.ArrayLike, impostor: npt.ArrayLike, direction: Direction
) -> ErrorTradeoff:
    """Rates at each observed score used as threshold, plus one rejecting all."""
    gen, imp = as_scores(genuine), as_scores(impostor)
    if gen.size == 0 or imp.size == 0:
        raise ValueError("need genuine and impostor scores")
    g, i = np.sort(_similar(gen, direction)), np.sort(_similar(imp, direction))
    cand = np.unique(np.concatenate([g, i]))
    cand = np.append(cand, np.nextafter(cand[-1], np.inf))
    # accepted = score >= t, so the count below t is searchsorted(..., "left").
    fmr = 1.0 - np.searchsorted(i, cand, side="left") / i.size
    fnmr = np.searchsorted(g, cand, side="left") / g.size
    thresholds = cand if direction is Direction.SIMILARITY else -cand
    return ErrorTradeoff(thresholds=thresholds, fmr=fmr, fnmr=fnmr)


@dataclass(frozen=True)
class EqualErrorRate:
    """Where FMR and FNMR cross, linearly interpolated between observed points."""

    eer: float
    threshold: float


def equal_error_rate(
    genuine: npt.ArrayLike, impostor: npt.ArrayLike, direction: Direction
) -> EqualErrorRate:
    """EER as the crossing of the FMR and FNMR step curves.

    Between the last threshold with FNMR <= FMR and the next one, both rates
    are interpolated linearly; the threshold reported is the former's (the
    observed threshold nearest the crossing from the permissive side).
    """
    curve = error_tradeoff(genuine, impostor, direction)
    diff = curve.fnmr - curve.fmr  # rises from -FMR(0)... to +1 as t gets stricter
    idx = int(np.flatnonzero(diff <= 0)[-1]) if np.any(diff <= 0) else 0
    if diff[idx] == 0 or idx + 1 >= diff.size:
        return EqualErrorRate(float(curve.fmr[idx]), float(curve.thresholds[idx]))
    d_a, d_b = float(diff[idx]), float(diff[idx + 1])
    lam = -d_a / (d_b - d_a)
    eer = float(curve.fmr[idx] + lam * (curve.fmr[idx + 1] - curve.fmr[idx]))
    return EqualErrorRate(eer, float(curve.thresholds[idx]))

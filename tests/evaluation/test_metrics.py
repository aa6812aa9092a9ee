"""Metrics on hand-made score lists whose FMR, FNMR, EER are known exactly."""

from __future__ import annotations

import numpy as np
import pytest

from openabc.evaluation.metrics import (
    Direction,
    equal_error_rate,
    error_tradeoff,
    fmr_at,
    fnmr_at,
    operating_point,
    threshold_at_fmr,
    upper_bound,
)

SIM, DIST = Direction.SIMILARITY, Direction.DISTANCE


def test_rates_at_threshold_similarity_accepts_equal_scores() -> None:
    genuine = [0.9, 0.8, 0.7, 0.3]
    impostor = [0.1, 0.2, 0.35, 0.75, 0.5]
    assert fmr_at(impostor, 0.6, SIM) == pytest.approx(1 / 5)
    assert fnmr_at(genuine, 0.6, SIM) == pytest.approx(1 / 4)
    assert fmr_at(impostor, 0.75, SIM) == pytest.approx(1 / 5)  # >= is a match
    assert fnmr_at(genuine, 0.75, SIM) == pytest.approx(2 / 4)


def test_rates_at_threshold_distance_accepts_small_scores() -> None:
    genuine = [0.1, 0.2, 0.3, 0.7]
    impostor = [0.9, 0.8, 0.65, 0.25, 0.5]
    point = operating_point(genuine, impostor, 0.4, DIST)
    assert (point.false_matches, point.false_non_matches) == (1, 1)
    assert (point.fmr, point.fnmr) == (pytest.approx(0.2), pytest.approx(0.25))
    assert point.min_measurable_fmr == pytest.approx(0.2)
    assert fmr_at(impostor, 0.25, DIST) == pytest.approx(0.2)  # <= is a match


def test_threshold_at_fmr_picks_least_strict_observed_score() -> None:
    impostor = list(range(10))  # 0..9
    genuine = [5.5, 8.5, 9.5, 12]
    at10 = threshold_at_fmr(genuine, impostor, 0.1, SIM)
    assert at10.point.threshold == 8.5
    assert (at10.point.fmr, at10.point.fnmr) == (pytest.approx(0.1), pytest.approx(0.25))
    assert not at10.limited_by_data
    at25 = threshold_at_fmr(genuine, impostor, 0.25, SIM)
    assert at25.point.threshold == 8
    assert (at25.point.fmr, at25.point.fnmr) == (pytest.approx(0.2), pytest.approx(0.25))


def test_target_below_one_over_n_is_flagged_not_pretended() -> None:
    impostor = list(range(10))
    genuine = [5.5, 8.5, 9.5, 12]
    tp = threshold_at_fmr(genuine, impostor, 0.05, SIM)
    assert tp.limited_by_data
    assert tp.point.fmr == 0.0
    assert tp.point.threshold == 9.5
    assert tp.point.fnmr == pytest.approx(0.5)
    assert tp.point.min_measurable_fmr == pytest.approx(0.1)


def test_threshold_at_fmr_distance_mirrors_similarity() -> None:
    genuine = np.array([5.5, 8.5, 9.5, 12])
    impostor = np.arange(10.0)
    for target in (0.0, 0.1, 0.25, 0.5, 1.0):
        sim = threshold_at_fmr(genuine, impostor, target, SIM).point
        dist = threshold_at_fmr(-genuine, -impostor, target, DIST).point
        assert dist.threshold == -sim.threshold
        assert (dist.fmr, dist.fnmr) == (sim.fmr, sim.fnmr)


def test_tied_impostor_scores_cannot_be_split() -> None:
    tp = threshold_at_fmr([4, 4], [3, 3, 1, 1], 0.25, SIM)
    assert tp.point.threshold == 4
    assert tp.point.fmr == 0.0


def test_no_score_above_the_barrier_uses_next_float() -> None:
    tp = threshold_at_fmr([1.0, 2.0], [2.0, 0.5], 0.0, SIM)
    assert tp.point.threshold > 2.0
    assert tp.point.fmr == 0.0 and tp.point.fnmr == 1.0


def test_eer_exact_on_crossing_point() -> None:
    eer = equal_error_rate([2, 3, 4, 5], [0, 1, 2, 3], SIM)
    assert eer.eer == pytest.approx(0.25)
    assert eer.threshold == 3


def test_eer_interpolates_between_steps() -> None:
    eer = equal_error_rate([1, 3, 4], [0, 2], SIM)
    assert eer.eer == pytest.approx(1 / 3)
    assert eer.threshold == 2
    assert equal_error_rate([-1, -3, -4], [0, -2], DIST).eer == pytest.approx(1 / 3)


def test_eer_zero_when_separated() -> None:
    assert equal_error_rate([0.1, 0.2], [0.8, 0.9], DIST).eer == 0.0
    assert equal_error_rate([30, 50], [3, 10], SIM).eer == 0.0


def test_error_tradeoff_is_monotone_from_accept_all_to_reject_all() -> None:
    rng = np.random.default_rng(3)
    curve = error_tradeoff(rng.normal(2, 1, 200), rng.normal(0, 1, 300), SIM)
    assert curve.fmr[0] == 1.0 and curve.fnmr[0] == 0.0
    assert curve.fmr[-1] == 0.0 and curve.fnmr[-1] == 1.0
    assert np.all(np.diff(curve.fmr) <= 0) and np.all(np.diff(curve.fnmr) >= 0)


def test_upper_bound_exact_clopper_pearson() -> None:
    assert upper_bound(0, 7) == pytest.approx(1 - 0.05 ** (1 / 7))
    assert upper_bound(0, 3000) == pytest.approx(0.000998, rel=1e-2)  # ~ rule of three
    assert upper_bound(5, 5) == 1.0


@pytest.mark.parametrize("genuine, impostor", [([], [1.0]), ([1.0], []), ([float("nan")], [1.0])])
def test_bad_scores_are_refused(genuine: list[float], impostor: list[float]) -> None:
    with pytest.raises(ValueError):
        threshold_at_fmr(genuine, impostor, 0.1, SIM)
    with pytest.raises(ValueError):
        equal_error_rate(genuine, impostor, SIM)


def test_target_fmr_out_of_range() -> None:
    with pytest.raises(ValueError):
        threshold_at_fmr([1.0], [0.0], 1.5, SIM)

"""Pair generation: all pairs when affordable, a seeded sample when not."""

from __future__ import annotations

import math

import numpy as np
import pytest

from openabc.evaluation.metrics import Direction
from openabc.evaluation.scores import generate_scores


def _coded(templates: dict[str, list[int]]) -> tuple[dict[str, list[int]], dict[int, str]]:
    owner = {t: s for s, ts in templates.items() for t in ts}
    return templates, owner


def _pair_code(a: int, b: int) -> float:
    return float(min(a, b) * 1000 + max(a, b))


def test_all_pairs_counted() -> None:
    templates = {"a": [1, 2, 3], "b": [4, 5], "c": [6]}
    s = generate_scores(templates, _pair_code, Direction.SIMILARITY)
    assert s.genuine.size == 3 + 1
    assert s.impostor.size == math.comb(6, 2) - 4
    assert not s.sampled
    assert sorted(s.genuine.tolist()) == [1002, 1003, 2003, 4005]


def test_sampling_is_capped_distinct_cross_subject_and_seeded() -> None:
    templates, owner = _coded({f"s{k}": list(range(10 * k, 10 * k + 6)) for k in range(1, 8)})
    a = generate_scores(templates, _pair_code, Direction.SIMILARITY, max_pairs=50, seed=4)
    b = generate_scores(templates, _pair_code, Direction.SIMILARITY, max_pairs=50, seed=4)
    c = generate_scores(templates, _pair_code, Direction.SIMILARITY, max_pairs=50, seed=5)
    assert a.sampled
    assert a.genuine.size == 50 and a.impostor.size == 50
    assert a.genuine_pairs_available == 7 * 15
    assert a.impostor_pairs_available == math.comb(42, 2) - 7 * 15
    assert np.array_equal(a.impostor, b.impostor) and np.array_equal(a.genuine, b.genuine)
    assert not np.array_equal(a.impostor, c.impostor)
    for codes, same in ((a.genuine, True), (a.impostor, False)):
        assert len(set(codes.tolist())) == codes.size
        for code in codes.tolist():
            x, y = divmod(int(code), 1000)
            assert (owner[x] == owner[y]) is same


def test_max_pairs_must_be_positive() -> None:
    with pytest.raises(ValueError):
        generate_scores({"a": [1, 2]}, _pair_code, Direction.SIMILARITY, max_pairs=0)

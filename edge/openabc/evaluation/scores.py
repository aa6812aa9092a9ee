"""Genuine and impostor comparison scores from per-subject templates.

Why: every pair is compared when that is affordable (the fullest use of a small
evaluation set); when it is not, a seeded sample of pairs keeps the run
reproducible, and the report says how many pairs existed and how many were used.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from openabc.evaluation.metrics import Direction, Scores

T = TypeVar("T")

DEFAULT_MAX_PAIRS = 100_000


@dataclass(frozen=True)
class ScoreSet:
    """Scores of one evaluation, with the pair counts behind any sampling."""

    genuine: Scores
    impostor: Scores
    direction: Direction
    genuine_pairs_available: int
    impostor_pairs_available: int

    @property
    def sampled(self) -> bool:
        return (
            self.genuine.size < self.genuine_pairs_available
            or self.impostor.size < self.impostor_pairs_available
        )


def _flatten(templates: Mapping[str, Sequence[T]]) -> tuple[list[T], list[int]]:
    items: list[T] = []
    owners: list[int] = []
    for index, subject in enumerate(sorted(templates)):
        for template in templates[subject]:
            items.append(template)
            owners.append(index)
    return items, owners


def _members(owners: Sequence[int]) -> list[list[int]]:
    by_subject: dict[int, list[int]] = {}
    for idx, owner in enumerate(owners):
        by_subject.setdefault(owner, []).append(idx)
    return list(by_subject.values())


def genuine_pairs(owners: Sequence[int]) -> Iterator[tuple[int, int]]:
    """All (i, j), i < j, of samples of the same subject."""
    for members in _members(owners):
        yield from itertools.combinations(members, 2)


def _sample_genuine_pairs(
    owners: Sequence[int], count: int, rng: np.random.Generator
) -> list[tuple[int, int]]:
    """``count`` distinct same-subject pairs, uniform over all such pairs."""
    groups = [m for m in _members(owners) if len(m) > 1]
    weights = np.array([math.comb(len(m), 2) for m in groups], dtype=np.float64)
    weights /= weights.sum()
    chosen: set[tuple[int, int]] = set()
    while len(chosen) < count:
        group = groups[int(rng.choice(len(groups), p=weights))]
        a, b = rng.choice(len(group), size=2, replace=False).tolist()
        chosen.add((group[min(a, b)], group[max(a, b)]))
    return sorted(chosen)


def _sample_impostor_pairs(
    owners: Sequence[int], count: int, rng: np.random.Generator
) -> list[tuple[int, int]]:
    """``count`` distinct cross-subject pairs drawn uniformly by rejection."""
    n = len(owners)
    chosen: set[tuple[int, int]] = set()
    while len(chosen) < count:
        draws = rng.integers(0, n, size=(2 * (count - len(chosen)) + 16, 2))
        for a, b in draws.tolist():
            if owners[a] == owners[b]:
                continue
            pair = (min(a, b), max(a, b))
            chosen.add(pair)
            if len(chosen) == count:
                break
    return sorted(chosen)


def generate_scores(
    templates: Mapping[str, Sequence[T]],
    compare: Callable[[T, T], float],
    direction: Direction,
    *,
    max_pairs: int = DEFAULT_MAX_PAIRS,
    seed: int = 0,
) -> ScoreSet:
    """Compare all genuine and all impostor pairs, each class capped at ``max_pairs``.

    Subjects are ordered by name, samples as given, so the same folder and seed
    always give the same scores.
    """
    if max_pairs < 1:
        raise ValueError("max_pairs must be positive")
    items, owners = _flatten(templates)
    rng = np.random.default_rng(seed)
    n_genuine = sum(math.comb(len(m), 2) for m in _members(owners))
    if n_genuine <= max_pairs:
        gen_pairs = list(genuine_pairs(owners))
    else:
        gen_pairs = _sample_genuine_pairs(owners, max_pairs, rng)
    n_impostor = math.comb(len(items), 2) - n_genuine
    if n_impostor <= max_pairs:
        imp_pairs = [
            (a, b)
            for a, b in itertools.combinations(range(len(items)), 2)
            if owners[a] != owners[b]
        ]
    else:
        imp_pairs = _sample_impostor_pairs(owners, max_pairs, rng)
    genuine = np.array([compare(items[a], items[b]) for a, b in gen_pairs], dtype=np.float64)
    impostor = np.array([compare(items[a], items[b]) for a, b in imp_pairs], dtype=np.float64)
    return ScoreSet(
        genuine=genuine,
        impostor=impostor,
        direction=direction,
        genuine_pairs_available=n_genuine,
        impostor_pairs_available=n_impostor,
    )

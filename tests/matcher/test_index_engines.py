"""Every row engine equals the exact float32 scan, including after edits."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from openabc.matcher.index import ExactIndex, VectorIndex
from openabc.matcher.index.faiss_sq8 import FaissSQ8Index
from openabc.matcher.index.planted import plant_weak_mates, random_templates
from openabc.matcher.index.quantize import ByteQuantizer

D = 128


def engines(vectors: np.ndarray) -> list[VectorIndex]:
    return [ExactIndex(D, vectors), FaissSQ8Index(D, vectors, threads=2)]


def brute(vectors: np.ndarray, alive: np.ndarray, query: np.ndarray, k: int) -> list[int]:
    distances = np.linalg.norm(vectors.astype(np.float64) - query, axis=1)
    distances[~alive] = np.inf
    return [int(r) for r in np.argsort(distances, kind="stable")[:k]]


@pytest.fixture(scope="module")
def gallery() -> np.ndarray:
    return random_templates(np.random.default_rng(3), 20_000)


@pytest.mark.parametrize("k", [1, 10, 50])
def test_engines_equal_brute_force(gallery: np.ndarray, k: int) -> None:
    rng = np.random.default_rng(k)
    alive = np.ones(len(gallery), dtype=bool)
    for index in engines(gallery):
        for _ in range(30):
            query = gallery[rng.integers(len(gallery))] + rng.normal(0, 0.05, D).astype(np.float32)
            rows, distances = index.search(query, k)
            assert rows.tolist() == brute(gallery, alive, query, k)
            expected = np.linalg.norm(gallery[rows] - query, axis=1)
            assert np.allclose(distances, expected, atol=1e-5)
            assert np.all(np.diff(distances) >= 0)


def test_crowded_neighbourhood_widens_and_stays_exact() -> None:
    """64 distractors within 0.02 of a weak mate push it past the first 32-row cut."""
    planted = plant_weak_mates(
        np.random.default_rng(11), 20_000, 40, distractors=64, distractor_range=(0.6, 0.61)
    )
    planted.mate_distances[:] = np.clip(planted.mate_distances, 0.58, 0.59)
    index = FaissSQ8Index(D, planted.gallery)
    exact = ExactIndex(D, planted.gallery)
    for probe, mate in zip(planted.probes, planted.mates, strict=True):
        rows, distances = index.search(probe, 1)
        assert rows.tolist() == [mate] == exact.search(probe, 1)[0].tolist()
        assert distances[0] < 0.6
    assert index.passes > len(planted.probes)


def test_add_remove_and_out_of_range_rows(gallery: np.ndarray) -> None:
    rng = np.random.default_rng(5)
    vectors = gallery[:2000].copy()
    alive = np.ones(2000 + 3, dtype=bool)
    extra = np.stack([gallery[7] + 0.01, gallery[9] * 4.0, gallery[11]]).astype(np.float32)
    everything = np.concatenate([vectors, extra])
    for index in engines(vectors):
        index.add(extra[:1])
        index.add(extra[1:])  # far outside the fitted byte range: clipped, still exact
        for row in (7, 2001):
            index.remove(row)
        with pytest.raises(KeyError):
            index.remove(7)
        assert len(index) == 2001
        alive[[7, 2001]] = False
        for query in [gallery[7], gallery[9] * 4.0, gallery[11], *rng.normal(0, 0.12, (5, D))]:
            rows, _ = index.search(np.asarray(query, np.float32), 3)
            assert rows.tolist() == brute(everything, alive, query, 3)


def test_small_and_empty_engines() -> None:
    for index in engines(np.zeros((0, D), np.float32)):
        assert index.search(np.ones(D, np.float32), 5)[0].size == 0
        index.add(np.ones((1, D), np.float32))
        assert index.search(np.ones(D, np.float32), 5)[0].tolist() == [0]


def test_ties_are_all_returned() -> None:
    vectors = np.tile(random_templates(np.random.default_rng(1), 1), (3, 1))
    vectors = np.concatenate([vectors, random_templates(np.random.default_rng(2), 100)])
    for index in engines(vectors):
        rows, distances = index.search(vectors[0], 1)
        assert rows.tolist() == [0, 1, 2]
        assert distances.tolist() == [0.0, 0.0, 0.0]


def test_faiss_direct_codes_give_exact_code_distances() -> None:
    """The certificate assumes faiss ranks by the exact squared distance between codes."""
    rng = np.random.default_rng(9)
    vectors = random_templates(rng, 5000)
    quantizer = ByteQuantizer.fitted(vectors)
    codes = quantizer.encode(vectors)
    index = faiss.IndexScalarQuantizer(D, faiss.ScalarQuantizer.QT_8bit_direct, faiss.METRIC_L2)
    index.add(codes)
    query = quantizer.encode(vectors[:20] + rng.normal(0, 0.05, (20, D)).astype(np.float32))
    distances, labels = index.search(query, 10)
    expected = ((codes[labels].astype(np.int64) - query[:, None, :].astype(np.int64)) ** 2).sum(-1)
    assert np.array_equal(distances.astype(np.int64), expected)


def test_quantizer_error_bounds_the_distance_change() -> None:
    rng = np.random.default_rng(4)
    vectors = random_templates(rng, 500)
    quantizer = ByteQuantizer.fitted(vectors)
    codes = quantizer.encode(vectors)
    errors = quantizer.errors(vectors, codes)
    decoded = quantizer.decode(codes).astype(np.float64)
    query = vectors[0].astype(np.float64)
    change = np.abs(
        np.linalg.norm(vectors - query, axis=1) - np.linalg.norm(decoded - query, axis=1)
    )
    assert np.all(change <= errors + 1e-6)
    assert errors.max() < 0.05

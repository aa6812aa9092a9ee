"""1:N search is exact (equals brute force) and refuses foreign templates."""

from __future__ import annotations

import numpy as np
import pytest

from openabc.matcher.gallery import NumpyGallery, TemplateModelMismatch
from openabc.messages import FaceTemplate

MODEL = ("face-embed-dlib-resnet", "1.0.0")


def template(vector: np.ndarray, model: tuple[str, str] = MODEL) -> FaceTemplate:
    return FaceTemplate(
        model_id=model[0], model_version=model[1], vector=tuple(float(v) for v in vector)
    )


@pytest.fixture()
def gallery_data() -> tuple[list[str], np.ndarray]:
    rng = np.random.default_rng(7)
    vectors = rng.standard_normal((600, 128)).astype(np.float32) / np.sqrt(128)
    return [f"p{i:04d}" for i in range(600)], vectors


@pytest.mark.parametrize("k", [1, 5, 600, 1000])
def test_search_equals_brute_force(gallery_data: tuple[list[str], np.ndarray], k: int) -> None:
    ids, vectors = gallery_data
    gallery = NumpyGallery(*MODEL, ids, vectors)
    rng = np.random.default_rng(99)
    for _ in range(20):
        query = vectors[rng.integers(600)] + rng.standard_normal(128).astype(np.float32) * 0.02
        q = np.asarray(template(query).vector, dtype=np.float64)
        exact = {
            pid: float(np.linalg.norm(v.astype(np.float64) - q))
            for pid, v in zip(ids, vectors, strict=True)
        }
        brute = sorted(exact.items(), key=lambda hit: hit[1])[:k]
        got = gallery.search(template(query), k)
        assert len(got) == len(brute)
        assert got[0][0] == brute[0][0]
        # float32 vs float64 may swap near-ties, so compare distances, not only ids:
        assert np.allclose([d for _, d in got], [d for _, d in brute], atol=1e-5)
        assert all(abs(exact[pid] - d) < 1e-5 for pid, d in got)
        assert len({pid for pid, _ in got}) == len(got)


def test_nearest_is_the_enrolled_person(gallery_data: tuple[list[str], np.ndarray]) -> None:
    ids, vectors = gallery_data
    gallery = NumpyGallery(*MODEL, ids, vectors)
    hits = gallery.search(template(vectors[123]), 1)
    assert hits[0][0] == "p0123"
    assert hits[0][1] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("model", [("face-embed-dlib-resnet", "2.0.0"), ("arcface", "1.0.0")])
def test_refuses_another_model(
    gallery_data: tuple[list[str], np.ndarray], model: tuple[str, str]
) -> None:
    ids, vectors = gallery_data
    gallery = NumpyGallery(*MODEL, ids, vectors)
    with pytest.raises(TemplateModelMismatch):
        gallery.search(template(vectors[0], model), 1)
    with pytest.raises(TemplateModelMismatch):
        gallery.add("new", template(vectors[0], model))


def test_add_then_find_and_empty_gallery() -> None:
    gallery = NumpyGallery(*MODEL, [], np.zeros((0, 0), dtype=np.float32))
    probe = template(np.ones(128) / np.sqrt(128))
    assert gallery.search(probe, 3) == []
    gallery.add("a", probe)
    gallery.add("b", template(-np.ones(128) / np.sqrt(128)))
    assert [pid for pid, _ in gallery.search(probe, 2)] == ["a", "b"]
    assert len(gallery) == 2

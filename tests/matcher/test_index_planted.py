"""Recall@1 = 1.0 on planted weak mates, against the planted truth and exact fp32."""

from __future__ import annotations

import numpy as np
import pytest

from openabc.matcher.gallery import Engine, open_gallery
from openabc.matcher.index.planted import PlantedGallery, plant_weak_mates
from openabc.messages import FaceTemplate

MODEL = ("face-embed-dlib-resnet", "1.0.0")


@pytest.fixture(scope="module")
def planted() -> PlantedGallery:
    return plant_weak_mates(np.random.default_rng(2026), 20_000, 300)


def test_planted_mates_are_weak_and_nearest(planted: PlantedGallery) -> None:
    distances = np.linalg.norm(planted.gallery[planted.mates] - planted.probes, axis=1)
    assert np.all((distances > 0.49) & (distances < 0.6))
    full = np.linalg.norm(
        planted.gallery[np.newaxis, :, :] - planted.probes[:8, np.newaxis, :], axis=2
    )
    assert full.argmin(axis=1).tolist() == planted.mates[:8].tolist()
    assert np.all(np.sort(full, axis=1)[:, 1] < 0.7)  # a distractor right behind


@pytest.mark.parametrize("engine", ["numpy", "faiss-sq8"])
def test_recall_at_1_is_exact(planted: PlantedGallery, engine: Engine) -> None:
    ids = [f"p{i:05d}" for i in range(len(planted.gallery))]
    gallery = open_gallery(*MODEL, ids, planted.gallery, engine=engine)
    assert gallery.engine == engine
    for probe, mate in zip(planted.probes, planted.mates, strict=True):
        template = FaceTemplate(
            model_id=MODEL[0], model_version=MODEL[1], vector=tuple(probe.tolist())
        )
        hits = gallery.search(template, 10)
        assert hits[0][0] == ids[mate]
        assert hits[0][1] == pytest.approx(np.linalg.norm(planted.gallery[mate] - probe), abs=1e-5)
        assert hits[0][1] < 0.6 <= hits[1][1]

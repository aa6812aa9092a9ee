"""Emulated species: deterministic by seed, camera-shaped, and visibly different media."""

from __future__ import annotations

import numpy as np
import pytest

from openabc.inference.detector import FaceDetector
from openabc.pad.emulated_attacks import SPECIES, generate_sequence


@pytest.fixture(scope="module")
def obama(detector: FaceDetector, photos: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    return photos[0], detector.detect(photos[0])[0].landmarks


@pytest.mark.parametrize("species", SPECIES)
def test_deterministic_by_seed(species: str, obama: tuple[np.ndarray, np.ndarray]) -> None:
    photo, lm = obama
    a = generate_sequence(photo, lm, species, seed=5, frames=3)  # type: ignore[arg-type]
    b = generate_sequence(photo, lm, species, seed=5, frames=3)  # type: ignore[arg-type]
    c = generate_sequence(photo, lm, species, seed=6, frames=3)  # type: ignore[arg-type]
    assert len(a) == 3 and all(f.shape == (480, 640, 3) and f.dtype == np.uint8 for f in a)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[1], c[1])
    assert not np.array_equal(a[0], a[1])  # the presentation moves between frames


def test_face_framed_at_target_size(
    detector: FaceDetector, obama: tuple[np.ndarray, np.ndarray]
) -> None:
    photo, lm = obama
    for species in SPECIES:
        frame = generate_sequence(photo, lm, species, seed=1, frames=1, target_ied=70.0)[0]
        faces = detector.detect(frame)
        assert len(faces) == 1
        ied = float(np.linalg.norm(faces[0].landmarks[1] - faces[0].landmarks[0]))
        assert 55.0 < ied < 85.0, (species, ied)

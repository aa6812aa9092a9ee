"""Galleries with planted weak mates: the case approximate search gets wrong.

Filler templates are random directions at the dlib descriptor norm (as in
``seeding.templates``), so strangers sit about norm x 1.4 apart. Each probe
is planted at a "weak" distance just under the 0.6 decision threshold from
its mate, with distractor templates just beyond it (up to 0.7), so the mate
is the true nearest but only narrowly; an index that drops or reorders close
candidates fails recall@1 here first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from openabc.messages import TEMPLATE_DIMENSIONS

NORM = 1.4
NORM_SPREAD = 0.03
CHUNK = 65536


@dataclass(frozen=True)
class PlantedGallery:
    """Gallery rows, probes, and for each probe its mate's row and distance."""

    gallery: npt.NDArray[np.float32]
    probes: npt.NDArray[np.float32]
    mates: npt.NDArray[np.int64]
    mate_distances: npt.NDArray[np.float64]


def random_templates(rng: np.random.Generator, count: int) -> npt.NDArray[np.float32]:
    """``count`` random directions at about the descriptor norm (chunked: 1M fits)."""
    out = np.empty((count, TEMPLATE_DIMENSIONS), dtype=np.float32)
    for start in range(0, count, CHUNK):
        block = rng.standard_normal((min(CHUNK, count - start), TEMPLATE_DIMENSIONS))
        norms = NORM * rng.normal(1.0, NORM_SPREAD, len(block)) / np.linalg.norm(block, axis=1)
        out[start : start + len(block)] = block * norms[:, np.newaxis]
    return out


def _at_distance(
    rng: np.random.Generator, centre: npt.NDArray[np.float64], distance: float
) -> npt.NDArray[np.float64]:
    """A point exactly ``distance`` from ``centre`` in a random direction."""
    direction = rng.standard_normal(TEMPLATE_DIMENSIONS)
    return centre + distance * direction / np.linalg.norm(direction)


def plant_weak_mates(
    rng: np.random.Generator,
    size: int,
    probes: int,
    *,
    mate_range: tuple[float, float] = (0.5, 0.59),
    distractors: int = 8,
    distractor_range: tuple[float, float] = (0.6, 0.7),
) -> PlantedGallery:
    """``size`` templates; ``probes`` probes each with one weak mate and distractors.

    Distractor distances are drawn from ``distractor_range`` but never closer
    than 0.001 beyond the mate's, so the planted mate is the exact nearest.
    """
    if probes * (1 + distractors) > size:
        raise ValueError("gallery too small for the planted probes and distractors")
    gallery = random_templates(rng, size)
    planted = rng.choice(size, size=probes * (1 + distractors), replace=False)
    mates = planted[:probes].astype(np.int64)
    distractor_rows = planted[probes:].reshape(probes, distractors)
    mate_distances = rng.uniform(*mate_range, probes)
    probe_rows = np.empty((probes, TEMPLATE_DIMENSIONS), dtype=np.float32)
    for i, (mate, distance) in enumerate(zip(mates, mate_distances, strict=True)):
        probe = _at_distance(rng, gallery[mate].astype(np.float64), float(distance))
        probe_rows[i] = probe
        low = max(distractor_range[0], float(distance) + 0.001)
        for row in distractor_rows[i]:
            away = rng.uniform(low, max(low, distractor_range[1]))
            gallery[row] = _at_distance(rng, probe_rows[i].astype(np.float64), away)
    return PlantedGallery(gallery, probe_rows, mates, mate_distances)

"""Random face templates shaped like dlib ResNet descriptors.

Filler templates get the norm of the real archetype templates (about 1.4
for this ONNX conversion of dlib's ResNet, about 1 for the test fakes) with
a 3 % spread, in random directions. Random directions in 128-d are nearly
orthogonal, so two filler templates sit about norm x 1.4 apart, far beyond
the 0.6 threshold, and filler can never be mistaken for anyone; ``far_from``
additionally keeps every filler template clear of the archetype faces.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from openabc.messages import TEMPLATE_DIMENSIONS

NORM_SPREAD = 0.03


def random_template(rng: np.random.Generator, norm: float = 1.0) -> npt.NDArray[np.float32]:
    """A random direction scaled to about ``norm``."""
    vector = rng.standard_normal(TEMPLATE_DIMENSIONS)
    vector *= norm * rng.normal(1.0, NORM_SPREAD) / np.linalg.norm(vector)
    return vector.astype(np.float32)


def far_from(
    rng: np.random.Generator, avoid: npt.NDArray[np.float32], min_distance: float
) -> npt.NDArray[np.float32]:
    """A random template, as long as ``avoid``'s rows, ``min_distance`` clear of each."""
    norm = float(np.linalg.norm(avoid, axis=1).mean()) if avoid.size else 1.0
    while True:
        vector = random_template(rng, norm)
        if avoid.size == 0 or float(np.linalg.norm(avoid - vector, axis=1).min()) > min_distance:
            return vector

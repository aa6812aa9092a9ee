"""Stand-in face templates for tests and model-less demos.

Maps an image file name to a fixed vector: images whose names differ only by
digits (``obama.jpg``, ``obama2.jpg``) are the same "person" and land about
0.2 apart; different names land about 1.4 apart. Never used when the real
ONNX face pipeline is wired in.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from openabc.messages import TEMPLATE_DIMENSIONS, FaceTemplate

FAKE_MODEL = ("face-embed-dlib-resnet", "1.0.0")
SAME_PERSON_NOISE = 0.1


def _rng(label: str) -> np.random.Generator:
    return np.random.default_rng(int.from_bytes(hashlib.sha256(label.encode()).digest()[:8]))


def fake_template_for_image(path: Path, model: tuple[str, str] = FAKE_MODEL) -> FaceTemplate:
    """A deterministic template keyed on the file name (the file is not read)."""
    person = path.stem.rstrip("0123456789")
    base = _rng(person).standard_normal(TEMPLATE_DIMENSIONS)
    base /= np.linalg.norm(base)
    noise = _rng(path.name).standard_normal(TEMPLATE_DIMENSIONS)
    vector = base + noise * SAME_PERSON_NOISE / np.sqrt(TEMPLATE_DIMENSIONS)
    return FaceTemplate(
        model_id=model[0],
        model_version=model[1],
        vector=tuple(float(v) for v in vector.astype(np.float32)),
    )

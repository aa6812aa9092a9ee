"""Locate dlib reference models for parity tests without importing face_recognition_models.

The package's ``__init__`` needs ``pkg_resources``, which newer setuptools no
longer ships, so we find its directory via the import spec instead.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

PACKAGE = "face_recognition_models"
RESNET = "dlib_face_recognition_resnet_model_v1.dat"
SHAPE_5 = "shape_predictor_5_face_landmarks.dat"


def dlib_models_dir() -> Path:
    """Directory holding dlib's .dat files; skips the test if the package is absent."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        pytest.skip(
            f"{PACKAGE} not installed (pip install face-recognition-models==0.3.0); "
            "needed as the dlib reference for embedder parity tests"
        )
    models = Path(next(iter(spec.submodule_search_locations))) / "models"
    for name in (RESNET, SHAPE_5):
        if not (models / name).is_file():
            pytest.fail(f"{PACKAGE} is installed but {models / name} is missing")
    return models

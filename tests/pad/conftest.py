"""Shared fixtures for PAD tests: the verified MTCNN detector and the seed photos."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from openabc.inference.detector import FaceDetector
from openabc.inference.face_pipeline import DETECTOR_VERSION
from openabc.inference.runner import load_verified_runner

ROOT = Path(__file__).resolve().parents[2]
PHOTOS = ("obama", "obama2", "obama3", "biden", "astronaut")


@pytest.fixture(scope="session")
def detector() -> FaceDetector:
    models = ROOT / "models"
    runners = [
        load_verified_runner(models / f"mtcnn-{net}" / DETECTOR_VERSION / "manifest.yaml")[1]
        for net in ("pnet", "rnet", "onet")
    ]
    return FaceDetector(*runners)


@pytest.fixture(scope="session")
def photos() -> list[np.ndarray]:
    return [
        np.asarray(Image.open(ROOT / "seeds" / "faces" / f"{n}.jpg").convert("RGB")) for n in PHOTOS
    ]

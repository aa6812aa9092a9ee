"""Shared fixtures for PAD tests: the verified MTCNN detector, the seed photos,
and one small held-out emulated slice that every decision test scores.

Why one slice: rendering and detecting frames dominates PAD test time, so it
is done once per session and scored by each signal and rule in turn.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from openabc.inference.detector import FaceDetector
from openabc.inference.face_pipeline import DETECTOR_VERSION
from openabc.inference.runner import load_verified_runner
from openabc.pad.detector import PresentationAttackDetector, build_pad_detector
from openabc.pad.emulated_set import Presentation, generate_presentations
from openabc.pad.split import EVAL_PHOTOS, EVAL_SEED, load_photos

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "models"
PHOTOS = ("obama", "obama2", "obama3", "biden", "astronaut")
HELD_OUT_SEED = EVAL_SEED + 4242  # not the bench's seeds either


@pytest.fixture(scope="session")
def detector() -> FaceDetector:
    runners = [
        load_verified_runner(MODELS / f"mtcnn-{net}" / DETECTOR_VERSION / "manifest.yaml")[1]
        for net in ("pnet", "rnet", "onet")
    ]
    return FaceDetector(*runners)


@pytest.fixture(scope="session")
def photos() -> list[np.ndarray]:
    return [
        np.asarray(Image.open(ROOT / "seeds" / "faces" / f"{n}.jpg").convert("RGB")) for n in PHOTOS
    ]


@pytest.fixture(scope="session")
def held_out(detector: FaceDetector) -> list[Presentation]:
    """2 sequences x 6 frames per held-out identity (biden, astronaut) and species."""
    photos = load_photos(ROOT / "seeds" / "faces", EVAL_PHOTOS)
    made = list(
        generate_presentations(detector.detect, photos, sequences=2, frames=6, seed=HELD_OUT_SEED)
    )
    assert all(p.faces is not None for p in made), "a frame lost the face"
    return made


@pytest.fixture(scope="session")
def pad() -> PresentationAttackDetector:
    return build_pad_detector(MODELS, threads=1)

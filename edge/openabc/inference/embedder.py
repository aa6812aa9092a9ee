"""Face embedder: aligned 150x150 RGB chip in, 128-d dlib descriptor out.

Kept separate from detection/alignment so the matcher depends only on a
descriptor contract (model id, version, distance threshold) and not on how
the chip was produced.
"""

from __future__ import annotations

import logging

import numpy as np

from openabc.inference.errors import ModelError
from openabc.inference.manifest import ModelManifest
from openabc.inference.runner import Runner

logger = logging.getLogger(__name__)

CHIP_SIZE = 150
DESCRIPTOR_DIM = 128
_THRESHOLD_KEY = "verify_distance"


class FaceEmbedder:
    """Computes raw (not L2-normalised) face descriptors compared by euclidean distance."""

    def __init__(self, runner: Runner, manifest: ModelManifest) -> None:
        if manifest.task != "face-embedding":
            raise ModelError(f"model {manifest.id} has task {manifest.task!r}, not face-embedding")
        if _THRESHOLD_KEY not in manifest.thresholds:
            raise ModelError(f"model {manifest.id} manifest lacks thresholds.{_THRESHOLD_KEY}")
        if len(runner.input_names) != 1:
            raise ModelError(f"embedder expects one input, model has {runner.input_names}")
        self._runner = runner
        self._manifest = manifest
        self._input_name = runner.input_names[0]

    @property
    def model_id(self) -> str:
        return self._manifest.id

    @property
    def model_version(self) -> str:
        return self._manifest.version

    @property
    def verify_distance(self) -> float:
        """Euclidean distance below which two descriptors are treated as one identity."""
        return self._manifest.thresholds[_THRESHOLD_KEY]

    def embed(self, chip: np.ndarray) -> np.ndarray:
        """Return the float32 (128,) descriptor for one aligned uint8 RGB chip."""
        expected = (CHIP_SIZE, CHIP_SIZE, 3)
        if chip.shape != expected:
            raise ValueError(f"chip must have shape {expected} (H, W, RGB), got {chip.shape}")
        if chip.dtype != np.uint8:
            raise ValueError(f"chip must be uint8, got {chip.dtype}")
        batch = np.ascontiguousarray(chip)[np.newaxis]
        outputs = self._runner.run({self._input_name: batch})
        if not outputs:
            raise ModelError(f"model {self.model_id} returned no outputs")
        descriptor = np.asarray(outputs[0], dtype=np.float32).reshape(-1)
        if descriptor.shape != (DESCRIPTOR_DIM,):
            raise ModelError(
                f"model {self.model_id} returned shape {outputs[0].shape}, "
                f"expected (1, {DESCRIPTOR_DIM})"
            )
        return descriptor

"""PAD signal from a small in-repo CNN run by onnxruntime on a face texture chip.

Why: the issue asks for one PAD signal from a model, independent of the frame
sequence. The model (models/pad-texture-cnn, trained by
tools/models/train_pad_cnn.py) sees one frame's face at a fixed scale, so it
judges the medium (grain, moire, tone) and not the motion. It is loaded only
through ``load_verified_runner``, so a model whose sha256 does not match its
manifest is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from openabc.inference.align import TEMPLATE_150, similarity_transform, warp_to_chip
from openabc.inference.detector import FaceDetection
from openabc.inference.errors import ModelError
from openabc.inference.manifest import ModelManifest
from openabc.inference.runner import Runner, load_verified_runner

MODEL_ID, MODEL_VERSION = "pad-texture-cnn", "1.0.0"
CHIP_SIZE = 96  # model input, px
TRAIN_CHIP_SIZE = 112  # training chips: CHIP_SIZE plus 8 px each side for random crops
CHIP_IED = 64.0  # inter-eye distance on the chip: about the camera's own scale (IED ~70 px),
# so screen moire (periods 3.5-6 px) and paper grain survive the resampling.
_TEMPLATE_IED = float(np.linalg.norm(TEMPLATE_150[1] - TEMPLATE_150[0]))
_TEMPLATE_CENTRE = TEMPLATE_150.mean(axis=0)


def pad_chip(
    frame: npt.NDArray[np.uint8], landmarks: npt.NDArray[np.float64], size: int = CHIP_SIZE
) -> npt.NDArray[np.uint8]:
    """Square RGB chip centred on the five landmarks at ``CHIP_IED`` px between the eyes.

    Why a fixed scale and not the detection box: texture cues live at fixed
    pixel periods, so the chip must not be shrunk by a varying factor. A
    ``TRAIN_CHIP_SIZE`` chip contains the ``CHIP_SIZE`` chip at its centre.
    """
    scale = CHIP_IED / _TEMPLATE_IED
    template = (TEMPLATE_150 - _TEMPLATE_CENTRE) * scale + (size - 1) / 2.0
    matrix = similarity_transform(landmarks.astype(np.float64), template)
    return warp_to_chip(frame, matrix, size)


@dataclass(frozen=True)
class ModelEvidence:
    """Per-frame attack probabilities from the model and their sequence score."""

    frame_scores: tuple[float, ...]  # model probabilities, as output
    score: float  # mean probability, mapped so the manifest threshold lands on 0.5


class ModelSignal:
    """Runs the PAD CNN on each frame's face chip; batch of all frames in one call."""

    def __init__(self, runner: Runner, manifest: ModelManifest | None = None) -> None:
        self._runner = runner
        self._input = runner.input_names[0]
        self.manifest = manifest
        thresholds = manifest.thresholds if manifest else {}
        self.threshold = float(thresholds.get("attack_score", 0.5))
        if not 0.0 < self.threshold < 1.0:
            raise ModelError(f"PAD attack_score threshold must be in (0, 1), got {self.threshold}")

    def chips(
        self, frames: Sequence[npt.NDArray[np.uint8]], faces: Sequence[FaceDetection]
    ) -> npt.NDArray[np.float32]:
        """NCHW float32 0..255 batch of chips; the graph normalises itself."""
        batch = np.stack([pad_chip(fr, f.landmarks) for fr, f in zip(frames, faces, strict=True)])
        return np.ascontiguousarray(batch.transpose(0, 3, 1, 2), dtype=np.float32)

    def frame_scores(self, batch: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Attack probability per chip in ``batch``."""
        (out,) = self._runner.run({self._input: batch})
        scores: npt.NDArray[np.float32] = np.asarray(out, dtype=np.float32).reshape(-1)
        if scores.shape[0] != batch.shape[0] or not np.all(np.isfinite(scores)):
            raise ModelError("PAD model returned a malformed attack score")
        return scores

    def evidence(
        self, frames: Sequence[npt.NDArray[np.uint8]], faces: Sequence[FaceDetection]
    ) -> ModelEvidence:
        """Score every frame's face and average them."""
        if not frames or len(frames) != len(faces):
            raise ValueError("need at least one frame, each with the subject's detection")
        scores = self.frame_scores(self.chips(frames, faces))
        values = tuple(float(np.clip(s, 0.0, 1.0)) for s in scores)
        return ModelEvidence(frame_scores=values, score=self.calibrate(float(np.mean(values))))

    def calibrate(self, probability: float) -> float:
        """Piecewise-linear map putting the manifest's ``attack_score`` threshold at 0.5.

        Why: fusion averages scores that each cross 0.5 at their own decision
        point; the mean over frames (not any single frame) is what is thresholded,
        so one odd frame cannot decide alone.
        """
        t = self.threshold
        if probability < t:
            return 0.5 * probability / t
        return 0.5 + 0.5 * (probability - t) / (1.0 - t)


def load_model_signal(models_dir: Path, *, threads: int = 1) -> ModelSignal:
    """The PAD CNN from ``models_dir``, refused unless its sha256 matches the manifest."""
    path = models_dir / MODEL_ID / MODEL_VERSION / "manifest.yaml"
    manifest, runner = load_verified_runner(path, threads=threads)
    return ModelSignal(runner, manifest)

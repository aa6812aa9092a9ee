"""Thin, swappable wrapper around the inference runtime.

Model-specific code (embedder, detector) talks to ``Runner`` so it can be
tested with fakes and so the runtime (ONNX Runtime today) stays replaceable.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np
import onnxruntime as ort  # type: ignore[import-untyped]

from openabc.inference.errors import ModelError
from openabc.inference.manifest import ModelManifest, load_manifest, verify_model_file

logger = logging.getLogger(__name__)

PREFERRED_PROVIDERS: tuple[str, ...] = (
    "TensorrtExecutionProvider",
    "CUDAExecutionProvider",
    "CPUExecutionProvider",
)

_ORT_TO_NUMPY: dict[str, type[np.generic]] = {
    "tensor(float)": np.float32,
    "tensor(float16)": np.float16,
    "tensor(double)": np.float64,
    "tensor(uint8)": np.uint8,
    "tensor(int8)": np.int8,
    "tensor(int32)": np.int32,
    "tensor(int64)": np.int64,
}


class Runner(ABC):
    """Runs a model on named input arrays and returns its outputs in order."""

    input_names: list[str]

    @abstractmethod
    def run(self, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
        """Run one inference; outputs follow the model's declared output order."""


def select_providers(available: list[str]) -> list[str]:
    """Pick accelerators first, always ending with CPU as the fallback."""
    chosen = [p for p in PREFERRED_PROVIDERS if p in available]
    if "CPUExecutionProvider" not in chosen:
        chosen.append("CPUExecutionProvider")
    return chosen


class OnnxRunner(Runner):
    """ONNX Runtime session with deterministic provider choice and thread count."""

    def __init__(self, model_path: Path, *, threads: int = 1) -> None:
        if threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Idle worker threads must not spin: on a 2-core kiosk they would steal the core
        # the camera, PAD and numpy stages need between model calls.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        providers = select_providers(list(ort.get_available_providers()))
        try:
            self._session = ort.InferenceSession(
                str(model_path), sess_options=options, providers=providers
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelError(f"cannot load ONNX model {model_path}: {exc}") from exc
        self.model_path = model_path
        self.providers: list[str] = list(self._session.get_providers())
        self.input_names = [i.name for i in self._session.get_inputs()]
        self.output_names: list[str] = [o.name for o in self._session.get_outputs()]
        logger.info(
            "loaded %s with providers %s, %s thread(s)", model_path.name, self.providers, threads
        )

    def run(self, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
        """Run the session; missing or unexpected input names raise ``ValueError``."""
        if set(inputs) != set(self.input_names):
            raise ValueError(
                f"expected inputs {sorted(self.input_names)}, got {sorted(inputs)}"
            )
        outputs = self._session.run(self.output_names, inputs)
        return [np.asarray(o) for o in outputs]

    def warm_up(self) -> None:
        """Run once on zeros so first-request latency excludes lazy allocation."""
        feeds: dict[str, np.ndarray] = {}
        for meta in self._session.get_inputs():
            shape = [d if isinstance(d, int) and d > 0 else 1 for d in meta.shape]
            dtype = _ORT_TO_NUMPY.get(meta.type, np.float32)
            feeds[meta.name] = np.zeros(shape, dtype=dtype)
        self.run(feeds)


def load_verified_runner(
    manifest_path: Path, *, threads: int = 1
) -> tuple[ModelManifest, OnnxRunner]:
    """Load a manifest, refuse the model unless its sha256 matches, then build a runner."""
    manifest = load_manifest(manifest_path)
    model_path = verify_model_file(manifest, manifest_path.parent)
    return manifest, OnnxRunner(model_path, threads=threads)

"""Model manifests: what a model file is, where it came from, and how to check it.

Every ONNX model ships next to a ``manifest.yaml``. The manifest pins the
file's sha256 so a tampered or corrupted model is refused before it is ever
run, and records tensor contracts, thresholds, provenance and licence.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from openabc.inference.errors import ModelError, ModelIntegrityError

logger = logging.getLogger(__name__)

_CHUNK = 1 << 20


class TensorSpec(BaseModel):
    """Contract for one model input or output tensor."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    shape: list[int | str]
    dtype: str
    layout: str | None = None
    pixel_format: str | None = None
    normalisation: str | None = None


class ModelManifest(BaseModel):
    """Everything needed to trust, load and interpret one model file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    version: str
    task: str
    file: str
    sha256: str
    inputs: list[TensorSpec]
    outputs: list[TensorSpec]
    thresholds: dict[str, float] = Field(default_factory=dict)
    threshold_notes: str = ""
    provenance: str
    licence: str
    converted_by: str


def load_manifest(path: Path) -> ModelManifest:
    """Parse and validate a manifest YAML file.

    Raises ``ModelError`` for unreadable files or schema violations so callers
    only need to handle one exception family.
    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ModelError(f"cannot read model manifest {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ModelError(f"model manifest {path} is not a YAML mapping")
    try:
        return ModelManifest.model_validate(data)
    except ValidationError as exc:
        raise ModelError(f"invalid model manifest {path}: {exc}") from exc


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, streamed so large models do not load into RAM twice."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_model_file(manifest: ModelManifest, manifest_dir: Path) -> Path:
    """Return the model path after checking it exists and matches the pinned sha256.

    Raises ``ModelIntegrityError`` on a missing file or hash mismatch.
    """
    model_path = (manifest_dir / manifest.file).resolve()
    if not model_path.is_file():
        raise ModelIntegrityError(
            f"model file for {manifest.id}@{manifest.version} not found: {model_path}"
        )
    actual = sha256_file(model_path)
    expected = manifest.sha256.strip().lower()
    if actual != expected:
        raise ModelIntegrityError(
            f"sha256 mismatch for {manifest.id}@{manifest.version} ({model_path}): "
            f"manifest says {expected}, file is {actual}"
        )
    logger.debug("verified %s@%s sha256 %s", manifest.id, manifest.version, actual)
    return model_path

"""Manifests for comparators that have no model file (NBIS Bozorth3 via afis).

Why: a threshold is only meaningful with the comparator version it was measured
on and the FMR it gave, so comparators get a manifest like the ONNX models do.
``ModelManifest`` requires a model file and its sha256, which a library-provided
comparator does not have; this small schema pins the package version instead,
and leaves ``load_manifest`` / ``load_verified_runner`` untouched. The file is
named ``comparator.yaml``, not ``manifest.yaml``, so tools that check every
``models/**/manifest.yaml`` against a model file (tools/models/verify_all.py)
do not trip over it.
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from openabc.evaluation.metrics import Direction
from openabc.inference.errors import ModelError

FINGER_COMPARATOR_ID = "finger-nbis-bozorth3"
FINGER_PACKAGE = "afis"
FINGER_THRESHOLD_KEY = "verify_score"
COMPARATOR_MANIFEST = "comparator.yaml"


class ComparatorManifest(BaseModel):
    """A comparator's identity, score direction and calibrated thresholds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    version: str
    task: str
    package: str = Field(description="distribution that implements the comparator")
    package_version: str
    extractor: str
    comparator: str
    score: Direction
    thresholds: dict[str, float] = Field(default_factory=dict)
    threshold_notes: str = ""
    provenance: str
    licence: str


def load_comparator_manifest(path: Path) -> ComparatorManifest:
    """Parse a comparator manifest; raises ``ModelError`` like ``load_manifest``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ModelError(f"cannot read comparator manifest {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ModelError(f"comparator manifest {path} is not a YAML mapping")
    try:
        return ComparatorManifest.model_validate(data)
    except ValidationError as exc:
        raise ModelError(f"invalid comparator manifest {path}: {exc}") from exc


def installed_afis_version() -> str:
    try:
        return metadata.version(FINGER_PACKAGE)
    except metadata.PackageNotFoundError as exc:
        raise ModelError(f"{FINGER_PACKAGE} is not installed") from exc


def finger_manifest_path(models_dir: Path, version: str | None = None) -> Path:
    """Manifest of the installed (or given) afis version of the finger comparator."""
    return (
        models_dir
        / FINGER_COMPARATOR_ID
        / (version or installed_afis_version())
        / COMPARATOR_MANIFEST
    )


def load_finger_manifest(models_dir: Path, version: str | None = None) -> ComparatorManifest:
    """The finger comparator manifest, checked against the installed afis.

    Raises ``ModelError`` when there is no manifest for the installed afis
    version: a threshold calibrated on another version must not be reused.
    """
    path = finger_manifest_path(models_dir, version)
    manifest = load_comparator_manifest(path)
    installed = installed_afis_version()
    if manifest.package != FINGER_PACKAGE or manifest.package_version != installed:
        raise ModelError(
            f"{path} was calibrated on {manifest.package}=={manifest.package_version}, "
            f"installed is {FINGER_PACKAGE}=={installed}: recalibrate with `openabc eval finger`"
        )
    return manifest


def load_finger_threshold(models_dir: Path) -> float:
    """Bozorth3 decision score (accept when score >= it) from the manifest."""
    manifest = load_finger_manifest(models_dir)
    try:
        return float(manifest.thresholds[FINGER_THRESHOLD_KEY])
    except KeyError as exc:
        raise ModelError(f"{manifest.id}@{manifest.version} has no {FINGER_THRESHOLD_KEY}") from exc

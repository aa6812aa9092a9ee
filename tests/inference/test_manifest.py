"""Manifest parsing and sha256 integrity checks for the shipped embedder model."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from openabc.inference.errors import ModelError, ModelIntegrityError
from openabc.inference.manifest import load_manifest, sha256_file, verify_model_file
from openabc.inference.runner import OnnxRunner, load_verified_runner, select_providers

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "models" / "face-embed-dlib-resnet" / "1.0.0" / "manifest.yaml"


def test_shipped_manifest_matches_model_file() -> None:
    manifest = load_manifest(MANIFEST)
    path = verify_model_file(manifest, MANIFEST.parent)
    assert path == (MANIFEST.parent / "model.onnx").resolve()
    assert sha256_file(path) == manifest.sha256
    assert manifest.thresholds["verify_distance"] == 0.6
    assert manifest.inputs[0].shape == ["batch", 150, 150, 3]
    assert manifest.outputs[0].dtype == "float32"


def test_tampered_model_is_refused(tmp_path: Path) -> None:
    shutil.copy(MANIFEST, tmp_path / "manifest.yaml")
    data = bytearray((MANIFEST.parent / "model.onnx").read_bytes())
    data[len(data) // 2] ^= 0x01  # flip one bit inside the weights
    (tmp_path / "model.onnx").write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="sha256 mismatch"):
        load_verified_runner(tmp_path / "manifest.yaml")


def test_missing_model_is_refused(tmp_path: Path) -> None:
    shutil.copy(MANIFEST, tmp_path / "manifest.yaml")
    with pytest.raises(ModelIntegrityError, match="not found"):
        verify_model_file(load_manifest(tmp_path / "manifest.yaml"), tmp_path)


def test_unknown_manifest_field_is_rejected(tmp_path: Path) -> None:
    data = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    data["surprise"] = 1
    bad = tmp_path / "manifest.yaml"
    bad.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ModelError, match="invalid model manifest"):
        load_manifest(bad)


def test_manifest_is_immutable() -> None:
    manifest = load_manifest(MANIFEST)
    with pytest.raises(ValueError, match="frozen"):
        manifest.sha256 = "0" * 64  # type: ignore[misc]


def test_provider_order_prefers_accelerators_and_keeps_cpu() -> None:
    available = ["CPUExecutionProvider", "CUDAExecutionProvider", "TensorrtExecutionProvider"]
    assert select_providers(available) == [
        "TensorrtExecutionProvider",
        "CUDAExecutionProvider",
        "CPUExecutionProvider",
    ]
    assert select_providers(["AzureExecutionProvider"]) == ["CPUExecutionProvider"]


def test_runner_rejects_bad_thread_count() -> None:
    with pytest.raises(ValueError, match="threads"):
        OnnxRunner(MANIFEST.parent / "model.onnx", threads=0)

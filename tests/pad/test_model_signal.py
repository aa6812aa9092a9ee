"""The PAD CNN: sha256-verified loading, refusal of a corrupted file, and that it
separates the species on held-out identities (it never saw biden or astronaut)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from openabc.inference.errors import ModelError, ModelIntegrityError
from openabc.inference.manifest import load_manifest, sha256_file
from openabc.inference.runner import Runner
from openabc.pad.detector import PresentationAttackDetector, build_pad_detector
from openabc.pad.emulated_set import Presentation
from openabc.pad.model_signal import (
    CHIP_SIZE,
    MODEL_ID,
    MODEL_VERSION,
    TRAIN_CHIP_SIZE,
    ModelSignal,
    pad_chip,
)
from openabc.pad.split import EVAL_PHOTOS, TRAIN_PHOTOS

from .conftest import MODELS

MODEL_DIR = MODELS / MODEL_ID / MODEL_VERSION


def _copy_models(tmp_path: Path) -> Path:
    dest = tmp_path / MODEL_ID / MODEL_VERSION
    shutil.copytree(MODEL_DIR, dest)
    return dest


def test_manifest_pins_model_and_records_provenance() -> None:
    manifest = load_manifest(MODEL_DIR / "manifest.yaml")
    assert manifest.sha256 == sha256_file(MODEL_DIR / manifest.file)
    assert manifest.thresholds["attack_score"] == 0.5
    assert manifest.inputs[0].shape == ["N", 3, CHIP_SIZE, CHIP_SIZE]
    assert manifest.outputs[0].name == "attack_score"
    assert "Apache-2.0" in manifest.licence
    for name in TRAIN_PHOTOS + EVAL_PHOTOS + ("seed", "torch"):
        assert name in manifest.provenance
    assert (MODEL_DIR / manifest.file).stat().st_size < 300_000


def test_split_is_disjoint() -> None:
    assert not set(TRAIN_PHOTOS) & set(EVAL_PHOTOS)


def test_model_loads_verified(pad: PresentationAttackDetector) -> None:
    assert pad.model.manifest is not None and pad.model.manifest.id == MODEL_ID
    assert pad.model.threshold == 0.5


def test_corrupted_model_is_refused(tmp_path: Path) -> None:
    dest = _copy_models(tmp_path)
    raw = bytearray((dest / "model.onnx").read_bytes())
    raw[len(raw) // 2] ^= 0x01  # one flipped bit in the weights
    (dest / "model.onnx").write_bytes(bytes(raw))
    with pytest.raises(ModelIntegrityError, match="sha256 mismatch"):
        build_pad_detector(tmp_path)


def test_missing_model_is_refused(tmp_path: Path) -> None:
    dest = _copy_models(tmp_path)
    (dest / "model.onnx").unlink()
    with pytest.raises(ModelIntegrityError):
        build_pad_detector(tmp_path)


def test_training_chip_contains_runtime_chip(held_out: list[Presentation]) -> None:
    p = held_out[0]
    assert p.faces is not None
    small = pad_chip(p.frames[0], p.faces[0].landmarks).astype(int)
    big = pad_chip(p.frames[0], p.faces[0].landmarks, TRAIN_CHIP_SIZE).astype(int)
    m = (TRAIN_CHIP_SIZE - CHIP_SIZE) // 2
    assert small.shape == (CHIP_SIZE, CHIP_SIZE, 3)
    assert np.abs(big[m : m + CHIP_SIZE, m : m + CHIP_SIZE] - small).max() <= 1


def _model_scores(
    pad: PresentationAttackDetector, held_out: list[Presentation], species: str
) -> list[float]:
    out = []
    for p in held_out:
        if p.species == species and p.faces is not None:
            out.append(pad.model.evidence(p.frames, p.faces).score)
    return out


def test_model_alone_separates_species(
    pad: PresentationAttackDetector, held_out: list[Presentation]
) -> None:
    """Held-out identities: every attack scores above every bona fide (AUC 1 on the slice)."""
    bona = _model_scores(pad, held_out, "bona_fide")
    for species in ("print", "screen"):
        attacks = _model_scores(pad, held_out, species)
        auc = np.mean([a > b for a in attacks for b in bona])
        assert auc == 1.0, species
        assert min(attacks) >= 0.5 > max(bona), species


class _ConstantRunner(Runner):
    """Stands in for a model that learnt nothing (or a wrong one)."""

    def __init__(self, value: float, rows: int | None = None) -> None:
        self.input_names = ["input"]
        self.value, self.rows = value, rows

    def run(self, inputs: dict[str, np.ndarray]) -> list[np.ndarray]:
        n = self.rows if self.rows is not None else inputs["input"].shape[0]
        return [np.full((n, 1), self.value, dtype=np.float32)]


def test_blind_model_would_fail(held_out: list[Presentation]) -> None:
    """A model that always says bona fide scores every attack below 0.5: the checks can fail."""
    blind = ModelSignal(_ConstantRunner(0.0))
    attacks = [p for p in held_out if p.species != "bona_fide" and p.faces is not None]
    assert all(blind.evidence(p.frames, p.faces).score < 0.5 for p in attacks if p.faces)


def test_malformed_model_output_is_an_error(held_out: list[Presentation]) -> None:
    p = held_out[0]
    assert p.faces is not None
    with pytest.raises(ModelError):
        ModelSignal(_ConstantRunner(0.1, rows=1)).evidence(p.frames, p.faces)
    with pytest.raises(ModelError):
        ModelSignal(_ConstantRunner(float("nan"))).evidence(p.frames, p.faces)


def test_calibration_puts_threshold_at_half() -> None:
    class _M:
        thresholds = {"attack_score": 0.3}

    signal = ModelSignal(_ConstantRunner(0.0), _M())  # type: ignore[arg-type]
    assert signal.calibrate(0.3) == pytest.approx(0.5)
    assert signal.calibrate(0.0) == 0.0 and signal.calibrate(1.0) == pytest.approx(1.0)
    assert signal.calibrate(0.29) < 0.5 < signal.calibrate(0.31)

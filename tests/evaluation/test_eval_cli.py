"""End to end: `openabc eval face|finger` on the shipped photos and synthetic fingers."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from openabc.cli import main
from openabc.evaluation.synthetic import write_synthetic_fingers

ROOT = Path(__file__).resolve().parents[2]
FACES = ROOT / "seeds" / "faces"
LAYOUT = {
    "obama": ["obama.jpg", "obama2.jpg", "obama3.jpg"],
    "biden": ["biden.jpg"],
    "astronaut": ["astronaut.jpg"],
}


@pytest.fixture(scope="module")
def face_layout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("faces-layout")
    for subject, files in LAYOUT.items():
        (root / subject).mkdir()
        for name in files:
            shutil.copy(FACES / name, root / subject / name)
    return root


@pytest.fixture(scope="module")
def finger_layout(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("fingers")
    paths = write_synthetic_fingers(root, fingers=6, impressions=3, subject_seed=1000)
    assert len(paths) == 18
    return root


def _console_script() -> str:
    script = shutil.which("openabc", path=str(Path(sys.executable).parent))
    assert script is not None, "console script not installed"
    return script


def test_eval_face_console_script_table_and_det(face_layout: Path, tmp_path: Path) -> None:
    png = tmp_path / "det" / "face.png"
    done = subprocess.run(
        [_console_script(), "eval", "face", str(face_layout), "--det", str(png)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "subjects              3" in out
    assert "genuine comparisons   3" in out
    assert "impostor comparisons  7" in out
    assert "0.6 (manifest" in out
    assert "smallest measurable 1/N = 14.3%" in out
    assert "single-sample subjects (impostor pairs only): 2: astronaut, biden" in out
    with Image.open(png) as img:
        assert img.format == "PNG" and img.size[0] > 300


def test_eval_face_json_counts_failure_to_enrol(
    face_layout: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "faces"
    shutil.copytree(face_layout, data_dir)
    Image.new("RGB", (200, 200), (128, 128, 128)).save(data_dir / "biden" / "blank.png")
    (data_dir / "biden" / "broken.jpg").write_bytes(b"\xff\xd8 not really")
    code = main(["eval", "face", str(data_dir), "--json", "--fmr", "0.01"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n_subjects"] == 3
    assert (result["n_genuine"], result["n_impostor"]) == (3, 7)
    assert [Path(i["path"]).name for i in result["failed_to_enrol"]] == ["blank.png"]
    assert [Path(i["path"]).name for i in result["unreadable"]] == ["broken.jpg"]
    assert result["failure_to_enrol_rate"] == pytest.approx(1 / 6)
    assert result["score"] == "distance"
    assert result["at_threshold"]["threshold"] == 0.6
    assert result["at_threshold"]["fnmr"] == 0.0  # same-person photos within 0.6
    assert result["at_threshold"]["fmr"] == 0.0
    assert result["at_target_fmr"]["limited_by_data"] is True
    assert result["min_measurable_fmr"] == pytest.approx(1 / 7)


def test_eval_finger_synthetic(
    finger_layout: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = tmp_path / "finger.png"
    code = main(["eval", "finger", str(finger_layout), "--det", str(png), "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n_subjects"] == 6 and result["n_images"] == 18
    assert (result["n_genuine"], result["n_impostor"]) == (18, 135)
    assert result["score"] == "similarity"
    assert result["at_threshold"]["threshold"] == 40.0  # from the comparator manifest
    assert "comparator.yaml" in result["threshold_source"]
    assert result["at_threshold"]["fmr"] <= 2 / 135
    assert result["at_threshold"]["fnmr"] <= 0.34
    assert result["eer"] < 0.2
    assert result["failed_to_enrol"] == [] and result["unreadable"] == []
    with Image.open(png) as img:
        assert img.format == "PNG"


def test_eval_errors_exit_2_before_loading_models(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["eval", "face", str(tmp_path)]) == 2
    assert "holds no images" in capsys.readouterr().err
    assert main(["eval", "finger", str(tmp_path / "nope")]) == 2
    assert "not a directory" in capsys.readouterr().err
    assert main(["eval", "finger", str(tmp_path), "--fmr", "0"]) == 2


def test_missing_finger_manifest_is_a_model_error(
    finger_layout: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["eval", "finger", str(finger_layout), "--models-dir", str(tmp_path)])
    assert code == 1
    assert "comparator manifest" in capsys.readouterr().err

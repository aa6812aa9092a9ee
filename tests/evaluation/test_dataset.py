"""Labelled-folder loading and the accounting of every sample set aside."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from openabc.evaluation.dataset import DatasetError, scan_labelled_folder
from openabc.evaluation.evaluate import evaluate
from openabc.evaluation.metrics import Direction
from openabc.evaluation.report import format_text, to_dict
from openabc.evaluation.samples import EnrolmentFailure, load_rgb


class GreyLevelModality:
    """A stand-in comparator: template = mean grey level; black images fail to enrol."""

    name = "grey"
    direction = Direction.DISTANCE
    score_name = "grey-level difference"

    def template(self, path: Path) -> float:
        mean = float(load_rgb(path).mean())
        if mean < 5:
            raise EnrolmentFailure("too dark")
        return mean

    def compare(self, probe: float, reference: float) -> float:
        return abs(probe - reference)


def _image(path: Path, level: int, fmt: str = "PNG") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((16, 16, 3), level, dtype=np.uint8)).save(path, format=fmt)


def test_not_a_directory_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="not a directory"):
        scan_labelled_folder(tmp_path / "missing")
    with pytest.raises(DatasetError, match="holds no images"):
        scan_labelled_folder(tmp_path)
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "notes.txt").write_text("x")
    with pytest.raises(DatasetError, match="holds no images"):
        scan_labelled_folder(tmp_path)


def test_layout_and_set_aside_files(tmp_path: Path) -> None:
    _image(tmp_path / "alice" / "1.png", 100)
    _image(tmp_path / "alice" / "2.JPG", 101, "JPEG")
    _image(tmp_path / "bob" / "1.bmp", 200, "BMP")
    _image(tmp_path / "bob" / "2.tiff", 201, "TIFF")
    _image(tmp_path / "carol" / "only.png", 50)
    (tmp_path / "dave").mkdir()
    (tmp_path / "README.txt").write_text("x")
    (tmp_path / "bob" / "Thumbs.db").write_text("x")
    folder = scan_labelled_folder(tmp_path)
    assert sorted(folder.samples) == ["alice", "bob", "carol"]
    assert folder.n_images == 5
    assert folder.empty_subjects == ["dave"]
    assert folder.single_sample_subjects() == ["carol"]
    assert {p.name for p in folder.ignored_files} == {"README.txt", "Thumbs.db"}


def test_unreadable_and_failed_to_enrol_are_counted(tmp_path: Path) -> None:
    _image(tmp_path / "alice" / "1.png", 100)
    _image(tmp_path / "alice" / "2.png", 104)
    _image(tmp_path / "alice" / "3.png", 0)  # fails to enrol
    _image(tmp_path / "bob" / "1.png", 200)
    _image(tmp_path / "bob" / "2.png", 203)
    (tmp_path / "bob" / "3.png").write_bytes(b"not an image")
    _image(tmp_path / "carol" / "1.png", 150)
    report = evaluate(
        scan_labelled_folder(tmp_path),
        GreyLevelModality(),
        threshold=10.0,
        threshold_source="test",
    )
    assert [i.path.name for i in report.unreadable] == ["3.png"]
    assert [i.path.name for i in report.failed_to_enrol] == ["3.png"]
    assert report.failure_to_enrol_rate == pytest.approx(1 / 6)
    assert report.n_images == 7 and report.n_templates == 5
    assert report.scores.genuine.size == 2
    assert report.scores.impostor.size == 8
    assert report.at_threshold.fmr == 0.0 and report.at_threshold.fnmr == 0.0
    assert report.single_sample_subjects == ["carol"]
    text = format_text(report)
    assert "unreadable: 1" in text and "failed to enrol: 1" in text and "carol" in text
    data = to_dict(report)
    assert data["n_genuine"] == 2 and data["n_impostor"] == 8
    assert data["min_measurable_fmr"] == pytest.approx(1 / 8)
    assert data["unreadable"][0]["reason"]


def test_no_genuine_or_no_impostor_pairs_is_an_error(tmp_path: Path) -> None:
    _image(tmp_path / "alice" / "1.png", 100)
    _image(tmp_path / "bob" / "1.png", 120)
    with pytest.raises(DatasetError, match="no genuine pairs"):
        evaluate(
            scan_labelled_folder(tmp_path), GreyLevelModality(), threshold=1, threshold_source="t"
        )
    solo = tmp_path / "solo"
    _image(solo / "alice" / "1.png", 100)
    _image(solo / "alice" / "2.png", 100)
    with pytest.raises(DatasetError, match="no impostor pairs"):
        evaluate(scan_labelled_folder(solo), GreyLevelModality(), threshold=1, threshold_source="t")

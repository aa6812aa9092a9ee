"""Settings: one typed object, strict, loaded once from YAML."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from openabc.config import OpenAbcSettings, load_settings
from openabc.runtime.processes import write_settings


def test_no_file_gives_the_embedded_demo_defaults() -> None:
    settings = load_settings(None)
    assert settings.region == "eu-demo"
    assert [(lane.lane_id, lane.direction) for lane in settings.lanes] == [
        ("lane-1", "entry"), ("lane-2", "entry"), ("exit-1", "exit"),
    ]


def test_yaml_overrides_and_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "site.yaml"
    path.write_text(
        "region: eu-south\n"
        "broker: {host: broker.example, port: 8883}\n"
        "lanes:\n  - {kiosk_id: kiosk-07, lane_id: lane-07, gate_port: /dev/ttyUSB0}\n"
    )
    settings = load_settings(path)
    assert settings.broker.port == 8883
    assert settings.lanes[0].gate_port == "/dev/ttyUSB0"
    assert load_settings(write_settings(settings, tmp_path / "copy.yaml")) == settings


@pytest.mark.parametrize(
    "text",
    [
        "regoin: typo\n",
        "broker: {port: 70000}\n",
        "lanes: [{kiosk_id: 'a/b', lane_id: l1}]\n",
        "lanes: [{kiosk_id: k1, lane_id: l1, decision_timeout_s: 0}]\n",
    ],
)
def test_typos_and_bad_values_fail_at_start_up(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ValidationError):
        load_settings(path)


def test_a_non_mapping_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n")
    with pytest.raises(ValueError, match="must be a mapping"):
        load_settings(path)


def test_settings_are_immutable() -> None:
    with pytest.raises(ValidationError):
        OpenAbcSettings().region = "elsewhere"  # type: ignore[misc]

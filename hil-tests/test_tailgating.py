"""Anti-tailgating: simulated beam patterns through the real gate controller logic.

The simulator (firmware/host/beamsim.py) walks adults, children, luggage and
tailgaters (two adults 0.1-0.6 m apart, a child close behind, a follower
entering behind) through the 16x2 beam array with the controller driving the
doors. It runs here on CPython (fast slice of 200 passages in every run;
``OPENABC_TAILGATE_PASSAGES=1200`` or ``make fw-long`` for >= 1,000) and, for a
smaller slice, inside the MicroPython unix port with the board's heap size.
A last check walks two people through the emulated gate over the pty.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from lanelink import messages as m
from openabc.hal.emulated_gate import HEAPSIZE, EmulatedGate, body_mask, find_micropython
from openabc.hal.gate_link import GateLink

REPO = Path(__file__).resolve().parents[1]
FW = REPO / "firmware"
FAST_PASSAGES = 200
LONG_PASSAGES = int(os.environ.get("OPENABC_TAILGATE_PASSAGES") or 0)
SEED = 20261127


def _beamsim() -> ModuleType:
    if str(FW / "lib") not in sys.path:
        sys.path.append(str(FW / "lib"))  # the pure `gate` package (lanelink is installed)
    spec = importlib.util.spec_from_file_location("beamsim", FW / "host" / "beamsim.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _report(label: str, res: dict[str, Any], sim: ModuleType, notes: int = 20) -> None:
    print(f"\n[tailgating {label}] {sim.summary(res)}")
    for note in res["notes"][:notes]:
        print(f"  {note}")


def test_fast_slice_detects_tailgating_without_false_alarms() -> None:
    sim = _beamsim()
    t0 = time.monotonic()
    res = sim.run(FAST_PASSAGES, SEED)
    _report(f"fast slice, {FAST_PASSAGES} passages, {time.monotonic() - t0:.1f} s", res, sim)
    assert res["negatives"] == FAST_PASSAGES // 2
    assert res["tailgates_entered"] >= FAST_PASSAGES // 4  # most followers do get in
    assert res["detection_rate"] >= 0.95
    assert res["false_alarm_rate"] <= 0.03


def test_pressed_together_pairs_are_the_known_limit() -> None:
    """Two adults with < 0.1 m between them (outside the issue's range): reported, not a goal."""
    sim = _beamsim()
    res = sim.run(FAST_PASSAGES, SEED, pressed=True)
    _report("pressed-together pairs (0-0.1 m), known limit", res, sim, notes=3)
    assert res["false_alarm_rate"] <= 0.03
    assert res["detection_rate"] >= 0.5


@pytest.mark.slow
@pytest.mark.skipif(LONG_PASSAGES < 1000,
                    reason="set OPENABC_TAILGATE_PASSAGES>=1000 (make fw-long)")
def test_long_run_meets_the_issue_goals() -> None:
    sim = _beamsim()
    t0 = time.monotonic()
    res = sim.run(LONG_PASSAGES, SEED + 1)
    _report(f"long run, {LONG_PASSAGES} passages, {time.monotonic() - t0:.1f} s", res, sim)
    assert res["negatives"] + res["tailgates_entered"] + res["prevented"] >= 1000
    assert res["detection_rate"] >= 0.99  # issue #5: >= 99 % detected
    assert res["false_alarm_rate"] <= 0.01  # issue #5: <= 1 % false alarms


@pytest.mark.micropython
def test_slice_in_the_micropython_interpreter() -> None:
    try:
        mpy = find_micropython()
    except FileNotFoundError as e:
        pytest.skip(str(e))
    env = dict(os.environ)
    env["MICROPYPATH"] = os.pathsep.join([str(FW / "host"), str(FW / "lib"), ".frozen"])
    n = 60
    r = subprocess.run(
        [str(mpy), "-X", f"heapsize={HEAPSIZE}", str(FW / "host" / "beamsim.py"), str(n), "5"],
        env=env, capture_output=True, text=True, timeout=300, check=False)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    line = next(ln for ln in out.splitlines() if ln.startswith("BEAMSIM "))
    print(f"\n[tailgating micropython -X heapsize={HEAPSIZE}, {n} passages] {line[8:]}")
    fa = float(re.search(r"false_alarms=\d+ \(([\d.]+) %\)", line).group(1))  # type: ignore[union-attr]
    det = float(re.search(r"detected \d+ = ([\d.]+) %", line).group(1))  # type: ignore[union-attr]
    assert det >= 90.0 and fa <= 5.0, line


# --- through the real firmware on the pty ------------------------------------------


@pytest.fixture
def gate(require_emulated: None) -> Iterator[EmulatedGate]:
    with EmulatedGate() as g:
        yield g


def _walk(gate: EmulatedGate, people: list[tuple[float, float]], speed: float = 1.2,
          dt: float = 0.02) -> None:
    """people: (distance behind the first person's back, depth) in metres."""
    x = -0.4  # front of the first person
    end = 1.7 + max(off + depth for off, depth in people)
    while x < end:
        mask = 0
        for off, depth in people:
            mask |= body_mask(x - off - depth, depth)
        gate.set_beam_array(mask, mask)
        time.sleep(dt)
        x += speed * dt
    gate.clear_beams()


@pytest.mark.hil
@pytest.mark.micropython
def test_two_adults_through_the_emulated_gate_raise_the_alarm(gate: EmulatedGate) -> None:
    with GateLink(gate.port_url) as link:
        link.open_exit(os.urandom(8), 8000)
        assert gate.wait_exit(True, 1.0)
        _walk(gate, [(0.0, 0.3), (0.6, 0.3)])  # second adult 0.3 m behind the first
        alarm = link.wait_event("alarm", 2.0)
        assert alarm.arg == m.ARG_TAILGATE
        assert not gate.exit_open
        assert [e for e in link.events() if e.kind == "traveller_passed"] == []


@pytest.mark.hil
@pytest.mark.micropython
def test_one_adult_through_the_emulated_gate_passes(gate: EmulatedGate) -> None:
    with GateLink(gate.port_url) as link:
        link.open_exit(os.urandom(8), 8000)
        assert gate.wait_exit(True, 1.0)
        _walk(gate, [(0.0, 0.35)])
        assert link.wait_event("traveller_passed", 2.0)
        assert gate.wait_exit(False, 1.0)
        assert [e for e in link.events() if e.kind == "alarm"] == []

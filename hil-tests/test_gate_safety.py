"""Fail-safe timing of the real gate firmware (MicroPython unix port on a pty).

Each hazard must reach the safe state of firmware/SAFETY.md within 1 s:

* link cut (cable unplugged): exit locked; entry locked if the chamber is
  empty, released for egress back to the kiosk side if somebody is inside;
* fire input: exit released for free egress, entry locked;
* watchdog starvation (the firmware hangs): the watchdog resets the MCU
  (outputs undriven: lock hardware falls back to locked), it boots with
  reset cause WDT_RESET into the same state as after a link cut;
* brown-out / power loss: the MCU comes back into that state at boot.

Times are wall-clock on the emulated MCU (its 10 ms tick and 500 ms watchdog
are real time here), measured from the harness action to the output change.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from lanelink import messages as m
from openabc.hal.emulated_gate import (
    BROWNOUT_RESET,
    PIN_ENTRY_RELEASE,
    PIN_EXIT_RELEASE,
    WDT_RESET,
    EmulatedGate,
)
from openabc.hal.gate_link import GateLink

pytestmark = [pytest.mark.hil, pytest.mark.micropython]
SAFE_WITHIN_S = 1.0


@pytest.fixture
def gate(require_emulated: None) -> Iterator[EmulatedGate]:
    with EmulatedGate() as g:
        yield g


@pytest.fixture
def link(gate: EmulatedGate) -> Iterator[GateLink]:
    with GateLink(gate.port_url) as lk:
        yield lk


def _safe_after(gate: EmulatedGate, t0: float, *, entry: bool, exit_: bool,
                timeout: float = 3.0) -> float:
    """Seconds from t0 until both door outputs are as given (fails after timeout)."""
    assert gate.wait_output(PIN_EXIT_RELEASE, exit_, timeout), "exit output"
    assert gate.wait_output(PIN_ENTRY_RELEASE, entry, timeout), "entry output"
    return time.monotonic() - t0


def _traveller_inside(gate: EmulatedGate, link: GateLink) -> None:
    """One-step admission; the traveller walks in and stands in the middle."""
    link.open_exit(os.urandom(8), 20000)
    assert gate.wait_exit(True, 1.0) and gate.entry_open
    for x in range(-30, 70, 5):
        gate.person_at(x / 100)
        time.sleep(0.02)
    assert gate.wait_output(PIN_ENTRY_RELEASE, False, 2.0)  # inside: entry re-locked
    assert link.status().state == "PASSAGE"


def test_link_cut_with_nobody_inside_locks_both_doors_within_1s(
        gate: EmulatedGate, link: GateLink) -> None:
    link.open_exit(os.urandom(8), 20000)
    assert gate.wait_exit(True, 1.0) and gate.entry_open
    t0 = time.monotonic()
    gate.cable_connected = False
    dt = _safe_after(gate, t0, entry=False, exit_=False)
    print(f"\n[safe state] link cut, chamber empty: both doors locked after {dt * 1000:.0f} ms")
    assert dt <= SAFE_WITHIN_S
    gate.cable_connected = True
    assert link.status().state == "LOCKED"
    assert link.wait_event("door_closed", 2.0).arg == m.ARG_LINK_LOST


def test_link_cut_with_somebody_inside_gives_egress_within_1s(
        gate: EmulatedGate, link: GateLink) -> None:
    _traveller_inside(gate, link)
    t0 = time.monotonic()
    gate.cable_connected = False
    dt = _safe_after(gate, t0, entry=True, exit_=False)
    print(f"\n[safe state] link cut, traveller inside: exit locked, entry released "
          f"after {dt * 1000:.0f} ms")
    assert dt <= SAFE_WITHIN_S
    gate.cable_connected = True
    assert link.status().state == "ALARM"
    gate.clear_beams()  # they stepped back out: the entry locks again
    assert gate.wait_output(PIN_ENTRY_RELEASE, False, 2.0)
    time.sleep(1.2)  # chamber empty for 1 s: the alarm is over
    assert link.status().state == "LOCKED"


def test_fire_input_gives_free_egress_within_1s(gate: EmulatedGate, link: GateLink) -> None:
    _traveller_inside(gate, link)
    link.lock()  # someone inside: LOCK makes it ALARM (exit locked, entry = egress)
    assert gate.wait_exit(False, 1.0)
    t0 = time.monotonic()
    gate.set_fire(True)
    dt = _safe_after(gate, t0, entry=False, exit_=True)
    print(f"\n[safe state] fire input: exit released, entry locked after {dt * 1000:.0f} ms")
    assert dt <= SAFE_WITHIN_S
    time.sleep(0.05)  # the ISR released the exit; the next 10 ms tick enters EMERGENCY
    assert link.status().state == "EMERGENCY"
    gate.cable_connected = False  # link loss does not re-lock the exit during a fire
    time.sleep(1.2)
    assert gate.exit_open and not gate.entry_open
    gate.cable_connected = True
    gate.clear_beams()
    gate.set_fire(False)
    assert gate.wait_exit(False, 1.0)


@pytest.mark.parametrize("inside", [False, True], ids=["empty", "traveller-inside"])
def test_watchdog_starvation_resets_into_the_safe_state_within_1s(
        gate: EmulatedGate, link: GateLink, inside: bool) -> None:
    if inside:
        _traveller_inside(gate, link)
    else:
        link.open_exit(os.urandom(8), 20000)
        assert gate.wait_exit(True, 1.0)
    boots = len(gate.boots)
    t0 = time.monotonic()
    gate.hang(10_000)  # the firmware stops; nothing feeds the watchdog
    assert gate.wait_exit(False, 3.0)
    t_reset = gate.resets[-1][0] - t0 if gate.resets else float("nan")
    assert gate.wait_booted(boots + 1, 3.0)
    dt = _safe_after(gate, t0, entry=inside, exit_=False)
    print(f"\n[safe state] watchdog starvation ({'traveller inside' if inside else 'empty'}): "
          f"reset after {t_reset * 1000:.0f} ms (outputs undriven = locked), booted and "
          f"driving the safe state after {dt * 1000:.0f} ms")
    assert t_reset <= SAFE_WITHIN_S
    assert dt <= SAFE_WITHIN_S
    v = link.hello()
    assert v.reset_cause == WDT_RESET
    assert v.state == ("ALARM" if inside else "LOCKED")
    assert link.wait_event("fault", 2.0).arg == m.ARG_WDT_RESET


def test_brownout_boots_into_the_safe_state_within_1s(
        gate: EmulatedGate, link: GateLink) -> None:
    _traveller_inside(gate, link)
    t0 = time.monotonic()
    gate.restart(BROWNOUT_RESET, power_loss=True)
    assert not gate.exit_open or gate.output(PIN_EXIT_RELEASE) == 0
    dt = _safe_after(gate, t0, entry=True, exit_=False)
    print(f"\n[safe state] brown-out with a traveller inside: power back and safe state "
          f"(exit locked, entry released) after {dt * 1000:.0f} ms")
    assert dt <= SAFE_WITHIN_S
    v = link.hello()
    assert v.reset_cause == BROWNOUT_RESET and v.state == "ALARM"
    assert link.wait_event("fault", 2.0).arg == m.ARG_BROWNOUT

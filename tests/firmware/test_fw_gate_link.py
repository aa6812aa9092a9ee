"""End to end: EmulatedGate (real MicroPython firmware on a pty) + GateLink."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from lanelink import messages as m
from lanelink.frame import encode_frame
from openabc.hal.emulated_gate import PIN_ENTRY_RELEASE, EmulatedGate, MicroPythonNotFound
from openabc.hal.gate_errors import GateNak, GateTimeout
from openabc.hal.gate_link import GateLink


def test_missing_binary_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(MicroPythonNotFound, match="MicroPython unix port not found"):
        EmulatedGate(micropython=tmp_path / "nope")


@pytest.fixture
def gate(micropython_bin: Path) -> Iterator[EmulatedGate]:
    with EmulatedGate(micropython=micropython_bin) as g:
        yield g


@pytest.fixture
def link(gate: EmulatedGate) -> Iterator[GateLink]:
    with GateLink(gate.port_url) as lk:
        yield lk


def _tx() -> bytes:
    return os.urandom(8)


def _open_frame(seq: int, txid: bytes, window_ms: int) -> bytes:
    p = bytearray(m.OPEN_EXIT_LEN)
    m.pack_open_exit(p, txid, window_ms)
    return encode_frame(m.MSG_OPEN_EXIT, seq, bytes(p))


pytestmark = pytest.mark.micropython


def test_hello_and_status(gate: EmulatedGate, link: GateLink) -> None:
    assert link.version is not None
    assert link.version.proto == m.PROTO and link.version.state == "LOCKED"
    st = link.status()
    assert st.state == "LOCKED" and not st.exit_released
    assert not gate.exit_open


def test_open_walk_through_close(gate: EmulatedGate, link: GateLink) -> None:
    tx = _tx()
    link.open_exit(tx, 5000)
    assert gate.wait_exit(True, 1.0)
    assert link.wait_event("door_opened", 1.0).transaction_id == tx
    gate.walk_through()
    passed = link.wait_event("traveller_passed", 2.0)
    assert passed.transaction_id == tx
    closed = link.wait_event("door_closed", 2.0)
    assert closed.arg == m.ARG_PASSED and closed.state == "LOCKED"
    assert gate.wait_exit(False, 1.0)
    assert link.status().state == "LOCKED"


def test_replayed_transaction_does_not_open(gate: EmulatedGate, link: GateLink) -> None:
    tx = _tx()
    link.open_exit(tx, 300)
    link.wait_event("door_closed", 2.0)  # window expired, nobody passed
    assert gate.wait_exit(False, 1.0)
    with pytest.raises(GateNak) as ei:
        link.open_exit(tx, 5000)
    assert ei.value.reason_name == "REPLAY"
    time.sleep(0.1)
    assert not gate.exit_open


def test_duplicate_frame_acked_not_reexecuted(gate: EmulatedGate, link: GateLink) -> None:
    f = _open_frame(4242, _tx(), 400)
    link.send_raw(f)
    link.wait_event("door_opened", 1.0)
    link.wait_event("door_closed", 2.0)
    link.send_raw(f)  # retransmission of the same frame after the window
    time.sleep(0.3)
    assert not gate.exit_open
    assert [e.kind for e in link.events() if e.kind == "door_opened"] == []


def test_heartbeat_loss_locks(gate: EmulatedGate, link: GateLink) -> None:
    link.open_exit(_tx(), 20000)
    assert gate.wait_exit(True, 1.0)
    link.heartbeat_enabled = False
    t0 = time.monotonic()
    ev = link.wait_event("door_closed", 6.0)
    assert ev.arg == m.ARG_LINK_LOST
    assert 0.6 < time.monotonic() - t0 < 1.5  # 800 ms of silence (kiosk heartbeats 200 ms)
    assert gate.wait_exit(False, 0.5)


def test_cable_unplugged_locks(gate: EmulatedGate, link: GateLink) -> None:
    link.open_exit(_tx(), 20000)
    assert gate.wait_exit(True, 1.0)
    gate.cable_connected = False
    assert gate.wait_exit(False, 1.5)
    with pytest.raises(GateTimeout):
        link.lock()
    gate.cable_connected = True
    assert link.status().state == "LOCKED"


def test_corrupted_frame_ignored_door_stays_shut(gate: EmulatedGate, link: GateLink) -> None:
    bad = bytearray(_open_frame(777, _tx(), 5000))
    bad[6] ^= 0x10  # flip a bit inside the transaction id
    link.send_raw(bytes(bad))
    time.sleep(0.3)
    assert not gate.exit_open
    st = link.status()
    assert st.state == "LOCKED" and st.rx_errors >= 1


def test_fire_releases_exit(gate: EmulatedGate, link: GateLink) -> None:
    gate.set_fire(True)
    assert gate.wait_exit(True, 1.0)
    assert link.wait_event("alarm", 1.0).arg == m.ARG_FIRE
    with pytest.raises(GateNak) as ei:
        link.open_exit(_tx(), 1000)
    assert ei.value.reason_name == "EMERGENCY"
    gate.set_fire(False)
    assert gate.wait_exit(False, 1.0)
    assert link.status().state == "LOCKED"


def test_restart_comes_back_locked(gate: EmulatedGate, link: GateLink) -> None:
    link.open_exit(_tx(), 20000)
    assert gate.wait_exit(True, 1.0)
    gate.restart()
    assert not gate.exit_open
    v = link.hello()
    assert v.state == "LOCKED"


def test_open_exit_latency(gate: EmulatedGate, link: GateLink) -> None:
    samples = []
    for _ in range(100):
        tx = _tx()
        t0 = time.perf_counter()
        link.open_exit(tx, 5000)
        samples.append(time.perf_counter() - t0)
        link.lock()
    p50 = statistics.median(samples) * 1000
    p95 = statistics.quantiles(samples, n=20)[18] * 1000
    print(f"OPEN_EXIT round-trip over pty: p50={p50:.2f} ms p95={p95:.2f} ms "
          f"max={max(samples) * 1000:.2f} ms (n=100)")
    assert p50 < 100


def test_two_step_open_entry_inside_open_exit(gate: EmulatedGate, link: GateLink) -> None:
    link.open_entry(_tx(), 8000)
    assert gate.wait_output(PIN_ENTRY_RELEASE, True, 1.0)
    assert not gate.exit_open
    for x in range(-30, 90, 5):  # walks in and stops in the middle
        gate.person_at(x / 100)
        time.sleep(0.02)
    inside = link.wait_event("traveller_inside", 2.0)
    assert inside.state == "INSIDE" and inside.arg == 1
    assert not gate.entry_open and not gate.exit_open
    link.open_exit(_tx(), 8000)
    assert gate.wait_exit(True, 1.0)
    for x in range(90, 200, 5):
        gate.person_at(x / 100)
        time.sleep(0.02)
    gate.clear_beams()
    assert link.wait_event("traveller_passed", 2.0)
    assert gate.wait_exit(False, 1.0)

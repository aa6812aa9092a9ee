"""Kiosk side of lanelink: talk to the gate controller over a serial port.

The port is opened with ``serial.serial_for_url`` so a real ``/dev/ttyUSB0``,
``rfc2217://host:port`` or the emulated gate's pty path all work the same.
Wire format and message layouts: ``lanelink.frame`` / ``lanelink.messages``.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

import serial

from lanelink import messages as m
from lanelink.frame import FrameReader, FrameWriter
from openabc.hal.gate_errors import GateClosed, GateLinkError, GateNak, GateTimeout

EVENT_NAMES: dict[int, str] = {
    m.EV_DOOR_OPENED: "door_opened",
    m.EV_PASSED: "traveller_passed",
    m.EV_DOOR_CLOSED: "door_closed",
    m.EV_ALARM: "alarm",
    m.EV_FAULT: "fault",
    m.EV_SNAPSHOT: "snapshot",
    m.EV_INSIDE: "traveller_inside",
}
EVENT_KINDS: dict[str, int] = {v: k for k, v in EVENT_NAMES.items()}
NAK_NAMES: dict[int, str] = {
    m.NAK_UNKNOWN_TYPE: "UNKNOWN_TYPE",
    m.NAK_BAD_PAYLOAD: "BAD_PAYLOAD",
    m.NAK_REPLAY: "REPLAY",
    m.NAK_BUSY: "BUSY",
    m.NAK_EMERGENCY: "EMERGENCY",
    m.NAK_FAULT: "FAULT",
    m.NAK_BAD_PROTO: "BAD_PROTO",
}


def state_name(state: int) -> str:
    names: tuple[str, ...] = m.STATE_NAMES
    return names[state] if 0 <= state < len(names) else f"UNKNOWN({state})"


@dataclass(frozen=True)
class GateEvent:
    kind: str  # one of EVENT_NAMES values
    state: str  # gate state after the event
    arg: int  # reason code (lanelink.messages.ARG_*)
    transaction_id: bytes
    seq: int
    received_at: float  # time.monotonic()


@dataclass(frozen=True)
class GateStatus:
    state: str
    inputs: int
    outputs: int
    rx_errors: int
    last_transaction_id: bytes

    @property
    def exit_released(self) -> bool:
        return bool(self.outputs & m.OUT_EXIT_RELEASE)


@dataclass(frozen=True)
class GateVersion:
    proto: int
    firmware: tuple[int, int, int]
    reset_cause: int
    state: str


class _Pending:
    def __init__(self, seq: int) -> None:
        self.seq = seq
        self.done = threading.Event()
        self.nak = 0
        self.data = b""


class GateLink:
    """Reliable command channel to one gate controller (thread-safe)."""

    def __init__(self, url: str, *, baudrate: int = 115200, ack_timeout_s: float = 0.25,
                 tries: int = 4, heartbeat_s: float = 0.2, gate_silence_s: float = 3.0,
                 hello: bool = True) -> None:
        self.ack_timeout_s = ack_timeout_s
        self.tries = tries
        self.heartbeat_s = heartbeat_s
        self.gate_silence_s = gate_silence_s
        self.heartbeat_enabled = True  # tests switch it off to simulate link loss
        self._ser = serial.serial_for_url(url, baudrate=baudrate, timeout=0.02)
        self._ser.reset_input_buffer()
        self._wlock = threading.Lock()
        self._cmd_lock = threading.Lock()
        self._cond = threading.Condition()
        self._pending: _Pending | None = None
        self._events: deque[GateEvent] = deque(maxlen=256)
        self._seen: deque[tuple[int, int]] = deque(maxlen=32)
        self._writer = FrameWriter()
        self._seq = secrets.randbits(16)
        self._closed = False
        self._error: BaseException | None = None
        self.last_rx = 0.0
        self.gate_state = "UNKNOWN"
        self.rx_errors = 0
        self.version: GateVersion | None = None
        self._thread = threading.Thread(target=self._run, name="gate-link", daemon=True)
        self._thread.start()
        if hello:
            try:
                self.version = self.hello()
            except BaseException:
                self.close()
                raise

    # --- context manager ------------------------------------------------------
    def __enter__(self) -> GateLink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def gate_alive(self) -> bool:
        return time.monotonic() - self.last_rx < self.gate_silence_s

    # --- commands -------------------------------------------------------------
    def hello(self) -> GateVersion:
        d = self._command(m.MSG_HELLO, bytes([m.PROTO]), "HELLO")
        if len(d) < m.VERSION_LEN:
            raise GateLinkError("short HELLO reply")
        return GateVersion(d[0], (d[1], d[2], d[3]), d[4], state_name(d[5]))

    def open_exit(self, transaction_id: bytes, window_ms: int) -> None:
        """Return once the gate ACKed (exit released); raise GateNak/GateTimeout otherwise."""
        if len(transaction_id) != m.TXID_LEN or not any(transaction_id):
            raise ValueError("transaction_id must be 8 bytes, not all zero")
        if not 0 < window_ms <= 0xFFFF:
            raise ValueError("window_ms out of range")
        buf = bytearray(m.OPEN_EXIT_LEN)
        m.pack_open_exit(buf, transaction_id, window_ms)
        self._command(m.MSG_OPEN_EXIT, bytes(buf), "OPEN_EXIT")

    def open_entry(self, transaction_id: bytes, window_ms: int) -> None:
        """Two-step flow: release the entry for one traveller (the exit stays locked)."""
        if len(transaction_id) != m.TXID_LEN or not any(transaction_id):
            raise ValueError("transaction_id must be 8 bytes, not all zero")
        if not 0 < window_ms <= 0xFFFF:
            raise ValueError("window_ms out of range")
        buf = bytearray(m.OPEN_EXIT_LEN)
        m.pack_open_exit(buf, transaction_id, window_ms)
        self._command(m.MSG_OPEN_ENTRY, bytes(buf), "OPEN_ENTRY")

    def lock(self) -> None:
        self._command(m.MSG_LOCK, b"", "LOCK")

    def status(self) -> GateStatus:
        d = self._command(m.MSG_STATUS, b"", "STATUS")
        if len(d) < m.STATUS_LEN:
            raise GateLinkError("short STATUS reply")
        return GateStatus(state_name(d[0]), d[1], d[2], d[3] | d[4] << 8, bytes(d[5:13]))

    def wait_event(self, kind: str, timeout: float) -> GateEvent:
        """Pop the oldest unconsumed event of ``kind`` (waiting up to ``timeout`` s)."""
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for ev in self._events:
                    if ev.kind == kind:
                        self._events.remove(ev)
                        return ev
                self._check_open()
                left = deadline - time.monotonic()
                if left <= 0:
                    raise GateTimeout(f"no {kind} event within {timeout:.1f}s")
                self._cond.wait(left)

    def events(self) -> list[GateEvent]:
        """Pop all unconsumed events."""
        with self._cond:
            out = list(self._events)
            self._events.clear()
            return out

    def send_raw(self, data: bytes) -> None:
        """Write raw bytes (diagnostics / fault-injection tests)."""
        self._write(data)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(1.0)
        self._ser.close()

    # --- internals ------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise GateClosed("gate link closed")
        if self._error is not None:
            raise GateClosed(f"serial port failed: {self._error}")

    def _write(self, data: bytes | memoryview) -> None:
        with self._wlock:
            self._ser.write(bytes(data))

    def _command(self, mtype: int, payload: bytes, name: str) -> bytes:
        with self._cmd_lock:
            self._check_open()
            self._seq = (self._seq + 1) & 0xFFFF
            p = _Pending(self._seq)
            with self._wlock:
                frame = bytes(self._writer.build(mtype, p.seq, payload))
            with self._cond:
                self._pending = p
            try:
                for _ in range(self.tries):
                    self._write(frame)
                    if p.done.wait(self.ack_timeout_s):
                        break
                    self._check_open()
                else:
                    raise GateTimeout(f"{name}: no ACK after {self.tries} tries")
            finally:
                with self._cond:
                    self._pending = None
            if p.nak:
                raise GateNak(name, p.nak, NAK_NAMES.get(p.nak, "UNKNOWN"))
            return p.data

    def _run(self) -> None:
        rd = FrameReader()
        next_hb = 0.0
        try:
            while not self._closed:
                now = time.monotonic()
                if self.heartbeat_enabled and now >= next_hb:
                    next_hb = now + self.heartbeat_s
                    with self._wlock:
                        self._ser.write(bytes(self._writer.build(m.MSG_HEARTBEAT, 0)))
                data = self._ser.read(max(1, self._ser.in_waiting))
                for b in data:
                    if rd.push(b):
                        self._on_frame(rd)
                self.rx_errors = rd.errors
        except (OSError, serial.SerialException) as e:
            if not self._closed:
                self._error = e
        with self._cond:
            self._cond.notify_all()

    def _on_frame(self, rd: FrameReader) -> None:
        self.last_rx = time.monotonic()
        t = rd.mtype
        p = bytes(rd.payload())
        if t in (m.MSG_ACK, m.MSG_NAK):
            with self._cond:
                pend = self._pending
            if pend is not None and pend.seq == rd.seq and not pend.done.is_set():
                pend.nak = p[0] if t == m.MSG_NAK and p else 0
                pend.data = p
                pend.done.set()
        elif t == m.MSG_HEARTBEAT:
            if p:
                self.gate_state = state_name(p[0])
        elif t == m.MSG_EVENT:
            with self._wlock:
                self._ser.write(bytes(self._writer.build(m.MSG_ACK, rd.seq)))
            key = (rd.seq, rd.crc)
            if key in self._seen or len(p) < m.EVENT_LEN:
                return  # retransmission of an event we already have
            self._seen.append(key)
            ev = GateEvent(EVENT_NAMES.get(p[0], f"unknown_{p[0]}"), state_name(p[1]), p[2],
                           p[3:11], rd.seq, self.last_rx)
            self.gate_state = ev.state
            with self._cond:
                self._events.append(ev)
                self._cond.notify_all()

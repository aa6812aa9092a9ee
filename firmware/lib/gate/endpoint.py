"""GateEndpoint: the gate side of lanelink (pure; ``write`` injected).

Decodes kiosk frames, ACK/NAKs commands (with a duplicate cache so a
retransmitted command is answered again but not re-executed), sends
controller events reliably (retransmitted until the kiosk ACKs them) and
a HEARTBEAT every second.
"""

try:
    from micropython import const  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # CPython (mypy)

    def const(x: int) -> int:  # type: ignore[no-redef, misc, unused-ignore]
        return x


from lanelink import messages as m
from lanelink.frame import MAX_PAYLOAD, MAX_WIRE, FrameReader, FrameWriter
from lanelink.link import Outbox, RecentFrames

_HEARTBEAT_MS = const(1000)
FW_VERSION = (0, 2, 0)


class GateEndpoint:
    def __init__(self, ctrl: object, write: object, clock: object, seq0: int = 1,
                 reset_cause: int = 0) -> None:
        self.ctrl = ctrl
        self._write = write
        self._clk = clock
        self._rd = FrameReader()
        self._wr = FrameWriter()
        self._recent = RecentFrames(8, MAX_WIRE)
        self._outbox = Outbox(4, MAX_WIRE, 250, 5, clock.ticks_diff,  # type: ignore[attr-defined]
                              clock.ticks_add)  # type: ignore[attr-defined]
        self._p = bytearray(MAX_PAYLOAD)
        self._ep = bytearray(m.EVENT_LEN)
        self._seq = seq0 & 0xFFFF
        self._t_hb = clock.ticks_ms()  # type: ignore[attr-defined]
        self.reset_cause = reset_cause
        self.nak_count = 0

    @property
    def rx_errors(self) -> int:
        return self._rd.errors  # type: ignore[no-any-return]

    def _next_seq(self) -> int:
        self._seq = (self._seq + 1) & 0xFFFF
        return self._seq

    # --- called by the controller ----------------------------------------
    def emit(self, kind: int, arg: int, txid: bytes | bytearray | memoryview) -> None:
        c = self.ctrl
        n = m.pack_event(self._ep, kind, c.state, arg, txid)  # type: ignore[attr-defined]
        seq = self._next_seq()
        f = self._wr.build(m.MSG_EVENT, seq, self._ep, n)
        self._outbox.push(seq, f, self._clk.ticks_ms())  # type: ignore[attr-defined]

    # --- receive -----------------------------------------------------------
    def feed(self, buf: bytes | bytearray | memoryview, n: int) -> None:
        rd = self._rd
        for i in range(n):
            if rd.push(buf[i]):
                self._on_frame()

    def _on_frame(self) -> None:
        rd = self._rd
        t = rd.mtype
        c = self.ctrl
        c.link_rx()  # type: ignore[attr-defined]
        if t == m.MSG_ACK or t == m.MSG_NAK:
            self._outbox.ack(rd.seq)
            return
        if t == m.MSG_HEARTBEAT:
            return
        if t == m.MSG_HELLO:
            self._recent.clear()  # new session
        slot = self._recent.find(rd.seq, rd.crc)
        if slot >= 0:  # duplicate: same reply again, no re-execution
            self._write(self._recent.reply(slot))  # type: ignore[operator]
            return
        p = rd.payload()
        out = self._p
        reason = 0
        n = 0
        if t == m.MSG_OPEN_EXIT:
            if len(p) != m.OPEN_EXIT_LEN:
                reason = m.NAK_BAD_PAYLOAD
            else:
                reason = c.open_exit(p[0:m.TXID_LEN], m.unpack_window(p))  # type: ignore[attr-defined]
        elif t == m.MSG_OPEN_ENTRY:
            if len(p) != m.OPEN_EXIT_LEN:
                reason = m.NAK_BAD_PAYLOAD
            else:
                reason = c.open_entry(p[0:m.TXID_LEN], m.unpack_window(p))  # type: ignore[attr-defined]
        elif t == m.MSG_LOCK:
            reason = c.lock()  # type: ignore[attr-defined]
        elif t == m.MSG_STATUS:
            n = self._status(out)
        elif t == m.MSG_HELLO:
            if len(p) < 1 or p[0] != m.PROTO:
                reason = m.NAK_BAD_PROTO
            else:
                out[0] = m.PROTO
                out[1] = FW_VERSION[0]
                out[2] = FW_VERSION[1]
                out[3] = FW_VERSION[2]
                out[4] = self.reset_cause
                out[5] = c.state  # type: ignore[attr-defined]
                n = m.VERSION_LEN
        else:
            reason = m.NAK_UNKNOWN_TYPE
        if reason:
            self.nak_count += 1
            out[0] = reason
            f = self._wr.build(m.MSG_NAK, rd.seq, out, 1)
        else:
            f = self._wr.build(m.MSG_ACK, rd.seq, out, n)
        self._recent.store(rd.seq, rd.crc, f)
        self._write(f)  # type: ignore[operator]

    def _status(self, out: bytearray) -> int:
        c = self.ctrl
        return m.pack_status(out, c.state, c.inputs, c.outputs(),  # type: ignore[attr-defined]
                             self._rd.errors, c.txid)  # type: ignore[attr-defined]

    # --- periodic (main loop) ------------------------------------------------
    def poll(self) -> None:
        clk = self._clk
        now = clk.ticks_ms()  # type: ignore[attr-defined]
        ob = self._outbox
        while True:
            slot = ob.due(now)
            if slot < 0:
                break
            self._write(ob.frame(slot))  # type: ignore[operator]
        if clk.ticks_diff(now, self._t_hb) >= _HEARTBEAT_MS:  # type: ignore[attr-defined]
            self._t_hb = now
            c = self.ctrl
            p = self._p
            p[0] = c.state  # type: ignore[attr-defined]
            p[1] = c.inputs  # type: ignore[attr-defined]
            p[2] = c.outputs()  # type: ignore[attr-defined]
            self._write(self._wr.build(m.MSG_HEARTBEAT, self._next_seq(), p, 3))  # type: ignore[operator]

"""GateController / GateEndpoint checks with a fake clock and fake pins.

Runs on the MicroPython unix port (run.py) and on CPython (pytest).
"""

from gate.controller import GateController
from gate.endpoint import GateEndpoint

from lanelink import messages as m
from lanelink.frame import FrameReader, encode_frame

TX1 = b"\x01\x02\x03\x04\x05\x06\x07\x08"
TX2 = b"\x11\x12\x13\x14\x15\x16\x17\x18"


class FakeClock:
    def __init__(self):
        self.t = 1000

    def ticks_ms(self):
        return self.t

    def ticks_diff(self, a, b):
        return a - b

    def ticks_add(self, a, d):
        return a + d


class FakePin:
    def __init__(self, v=0):
        self.v = v

    def value(self, v=None):
        if v is None:
            return self.v
        self.v = 1 if v else 0


class Rig:
    def __init__(self):
        self.clk = FakeClock()
        self.entry = FakePin()
        self.exit_b = FakePin()
        self.fire = FakePin()
        self.exit_out = FakePin(1)  # controller must shut it at construction
        self.green = FakePin()
        self.red = FakePin()
        self.events = []
        self.c = GateController(self.clk, self.entry, self.exit_b, self.fire, self.exit_out,
                                self.green, self.red, self.emit)
        self.c.link_rx()

    def emit(self, kind, arg, txid):
        self.events.append((kind, arg, bytes(txid)))

    def step(self, ms=10, rx=True):
        for _ in range(ms // 10):
            self.clk.t += 10
            if rx and self.clk.t % 500 == 0:
                self.c.link_rx()  # kiosk heartbeat every 500 ms
            self.c.tick()

    def beams(self, e, x, ms=50):
        self.entry.v = e
        self.exit_b.v = x
        self.step(ms)

    def kinds(self):
        return [k for k, _, _ in self.events]


def test_boot_state_is_locked_and_shut():
    r = Rig()
    assert r.c.state == m.ST_LOCKED
    assert r.exit_out.v == 0 and r.red.v == 1 and r.green.v == 0


def test_open_walk_through_close():
    r = Rig()
    assert r.c.open_exit(TX1, 5000) == 0
    assert r.c.state == m.ST_EXIT_OPEN and r.exit_out.v == 1 and r.green.v == 1
    r.beams(1, 0)
    assert r.c.state == m.ST_PASSAGE
    r.beams(1, 1)
    r.beams(0, 1)
    assert r.exit_out.v == 1
    r.beams(0, 0)
    assert r.c.state == m.ST_LOCKED and r.exit_out.v == 0
    assert r.kinds() == [m.EV_DOOR_OPENED, m.EV_PASSED, m.EV_DOOR_CLOSED]
    assert r.events[2] == (m.EV_DOOR_CLOSED, m.ARG_PASSED, TX1)


def test_replayed_or_bad_transaction_refused():
    r = Rig()
    assert r.c.open_exit(TX1, 1000) == 0
    r.step(1100)
    assert r.c.state == m.ST_LOCKED
    assert r.c.open_exit(TX1, 1000) == m.NAK_REPLAY
    assert r.c.open_exit(bytes(8), 1000) == m.NAK_REPLAY
    assert r.c.open_exit(TX2, 0) == m.NAK_BAD_PAYLOAD
    assert r.c.open_exit(TX2, 60000) == m.NAK_BAD_PAYLOAD
    assert r.c.open_exit(b"\x01", 1000) == m.NAK_BAD_PAYLOAD
    assert r.exit_out.v == 0
    assert r.c.open_exit(TX2, 1000) == 0


def test_busy_while_open():
    r = Rig()
    assert r.c.open_exit(TX1, 5000) == 0
    assert r.c.open_exit(TX2, 5000) == m.NAK_BUSY


def test_window_expires_without_passage():
    r = Rig()
    r.c.open_exit(TX1, 2000)
    r.step(1990)
    assert r.c.state == m.ST_EXIT_OPEN
    r.step(20)
    assert r.c.state == m.ST_LOCKED and r.exit_out.v == 0
    assert r.events[-1] == (m.EV_DOOR_CLOSED, m.ARG_TIMEOUT, TX1)


def test_lock_command_closes():
    r = Rig()
    r.c.open_exit(TX1, 5000)
    assert r.c.lock() == 0
    assert r.c.state == m.ST_LOCKED and r.exit_out.v == 0
    assert r.events[-1][1] == m.ARG_LOCK_CMD


def test_heartbeat_loss_locks():
    r = Rig()
    r.c.open_exit(TX1, 20000)
    r.step(2900, rx=False)
    assert r.c.state == m.ST_EXIT_OPEN
    r.step(200, rx=False)
    assert r.c.state == m.ST_LOCKED and r.exit_out.v == 0
    assert r.events[-1] == (m.EV_DOOR_CLOSED, m.ARG_LINK_LOST, TX1)


def test_wrong_way_alarm():
    r = Rig()
    r.c.open_exit(TX1, 5000)
    r.beams(0, 1)
    assert r.c.state == m.ST_LOCKED and r.exit_out.v == 0
    assert (m.EV_ALARM, m.ARG_WRONG_WAY, TX1) in r.events


def test_backing_out_keeps_window():
    r = Rig()
    r.c.open_exit(TX1, 1000)
    r.beams(1, 0)
    r.beams(0, 0)
    assert r.c.state == m.ST_EXIT_OPEN
    r.step(1000)
    assert r.c.state == m.ST_LOCKED
    assert m.EV_PASSED not in r.kinds()


def test_glitch_is_debounced():
    r = Rig()
    r.c.open_exit(TX1, 5000)
    r.exit_b.v = 1
    r.step(10)  # one sample only
    r.exit_b.v = 0
    r.step(50)
    assert r.c.state == m.ST_EXIT_OPEN


def test_passage_timeout_alarm():
    r = Rig()
    r.c.open_exit(TX1, 5000)
    r.beams(1, 0)
    r.step(20100)
    assert r.c.state == m.ST_LOCKED
    assert (m.EV_ALARM, m.ARG_PASSAGE_TIMEOUT, TX1) in r.events


def test_fire_releases_exit_for_egress():
    r = Rig()
    r.c.fire_isr(r.fire)  # ISR path releases at once
    assert r.exit_out.v == 1
    r.fire.v = 1
    r.step(30)
    assert r.c.state == m.ST_EMERGENCY and r.exit_out.v == 1
    assert r.c.open_exit(TX1, 1000) == m.NAK_EMERGENCY
    r.step(5000, rx=False)  # link loss does not re-lock during emergency
    assert r.exit_out.v == 1
    r.fire.v = 0
    r.step(30)
    assert r.c.state == m.ST_LOCKED and r.exit_out.v == 0


def test_exit_beam_stuck_faults():
    r = Rig()
    r.beams(0, 1, 30100)
    assert r.c.state == m.ST_FAULT and r.exit_out.v == 0
    assert r.c.open_exit(TX1, 1000) == m.NAK_FAULT
    r.c.lock()
    assert r.c.state == m.ST_FAULT  # beam still blocked
    r.beams(0, 0)
    r.c.lock()
    assert r.c.state == m.ST_LOCKED


# --- endpoint ------------------------------------------------------------------
class Wire:
    def __init__(self):
        self.out = []

    def write(self, buf):
        self.out.append(bytes(buf))
        return len(buf)

    def frames(self):
        rd = FrameReader()
        res = []
        for chunk in self.out:
            for b in chunk:
                if rd.push(b):
                    res.append((rd.mtype, rd.seq, bytes(rd.payload())))
        self.out = []
        return res


def _ep():
    r = Rig()
    w = Wire()
    ep = GateEndpoint(None, w.write, r.clk, 100)
    ep.ctrl = r.c
    r.c._emit = ep.emit
    return r, w, ep


def _open_frame(seq, txid, window):
    p = bytearray(m.OPEN_EXIT_LEN)
    m.pack_open_exit(p, txid, window)
    return encode_frame(m.MSG_OPEN_EXIT, seq, bytes(p))


def test_endpoint_ack_dup_and_events():
    r, w, ep = _ep()
    f = _open_frame(7, TX1, 5000)
    ep.feed(f, len(f))
    assert w.frames() == [(m.MSG_ACK, 7, b"")]
    ep.feed(f, len(f))  # retransmission: same ACK, not executed again
    assert w.frames() == [(m.MSG_ACK, 7, b"")]
    ep.poll()
    ev = [x for x in w.frames() if x[0] == m.MSG_EVENT]
    assert len(ev) == 1 and ev[0][2][0] == m.EV_DOOR_OPENED
    r.clk.t += 300
    ep.poll()  # not ACKed by the kiosk: retransmitted with the same seq
    again = [x for x in w.frames() if x[0] == m.MSG_EVENT]
    assert again == ev
    a = encode_frame(m.MSG_ACK, ev[0][1])
    ep.feed(a, len(a))
    r.clk.t += 300
    ep.poll()
    assert [x for x in w.frames() if x[0] == m.MSG_EVENT] == []
    f2 = _open_frame(8, TX1, 5000)  # new seq, same txid
    r.c.lock()
    ep.feed(f2, len(f2))
    assert w.frames() == [(m.MSG_NAK, 8, bytes([m.NAK_REPLAY]))]


def test_endpoint_corrupt_unknown_status_hello():
    r, w, ep = _ep()
    f = bytearray(_open_frame(9, TX2, 5000))
    f[5] ^= 0x40
    ep.feed(f, len(f))
    assert w.frames() == [] and ep.rx_errors == 1 and r.c.state == m.ST_LOCKED
    u = encode_frame(0x55, 10)
    ep.feed(u, len(u))
    assert w.frames() == [(m.MSG_NAK, 10, bytes([m.NAK_UNKNOWN_TYPE]))]
    s = encode_frame(m.MSG_STATUS, 11)
    ep.feed(s, len(s))
    (t, seq, p), = w.frames()
    assert t == m.MSG_ACK and seq == 11 and len(p) == m.STATUS_LEN
    assert p[0] == m.ST_LOCKED and p[2] & m.OUT_LED_RED and p[3] == 1
    h = encode_frame(m.MSG_HELLO, 12, bytes([m.PROTO]))
    ep.feed(h, len(h))
    (t, seq, p), = w.frames()
    assert t == m.MSG_ACK and p[0] == m.PROTO and len(p) == m.VERSION_LEN
    h = encode_frame(m.MSG_HELLO, 13, b"\x63")
    ep.feed(h, len(h))
    assert w.frames() == [(m.MSG_NAK, 13, bytes([m.NAK_BAD_PROTO]))]


def test_endpoint_heartbeat():
    r, w, ep = _ep()
    r.clk.t += 1000
    ep.poll()
    fr = w.frames()
    assert [x[0] for x in fr] == [m.MSG_HEARTBEAT] and fr[0][2][0] == m.ST_LOCKED

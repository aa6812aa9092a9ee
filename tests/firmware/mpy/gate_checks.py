"""GateController / GateEndpoint checks with a fake clock and fake pins.

Runs on the MicroPython unix port (run.py) and on CPython (pytest).
"""

from gate.controller import GateController
from gate.endpoint import GateEndpoint

from lanelink import messages as m
from lanelink.frame import FrameReader, encode_frame

TX1 = b"\x01\x02\x03\x04\x05\x06\x07\x08"
TX2 = b"\x11\x12\x13\x14\x15\x16\x17\x18"
TX3 = b"\x21\x22\x23\x24\x25\x26\x27\x28"


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


class FakeBeams:
    def __init__(self):
        self.low = 0
        self.high = 0

    def read(self, buf):
        buf[0] = self.low & 0xFF
        buf[1] = self.low >> 8 & 0xFF
        buf[2] = self.high & 0xFF
        buf[3] = self.high >> 8 & 0xFF


def span(back_cm, depth_cm):
    """Columns (0.1 m pitch, beam mid-column) covered by [back, back + depth] in cm."""
    mask = 0
    for i in range(16):
        x = i * 10 + 5
        if back_cm <= x <= back_cm + depth_cm:
            mask |= 1 << i
    return mask


class Rig:
    def __init__(self, occupied_at_boot=False):
        self.clk = FakeClock()
        self.beams = FakeBeams()
        self.fire = FakePin()
        self.entry_door = FakePin()
        self.exit_door = FakePin()
        # outputs start "wrong" (released): the controller must lock them at construction
        self.entry_out = FakePin(1)
        self.exit_out = FakePin(1)
        self.green = FakePin()
        self.red = FakePin()
        self.amber = FakePin()
        self.buzzer = FakePin()
        self.events = []
        if occupied_at_boot:
            self.beams.low = self.beams.high = span(60, 30)
        self.c = GateController(self.clk, self.beams, self.fire,
                                (self.entry_door, self.exit_door),
                                (self.entry_out, self.exit_out, self.green, self.red,
                                 self.amber, self.buzzer), self.emit)
        self.c.boot()
        self.c.link_rx()

    def emit(self, kind, arg, txid):
        self.events.append((kind, arg, bytes(txid)))

    def step(self, ms=10, rx=True):
        for _ in range(ms // 10):
            self.clk.t += 10
            if rx and self.clk.t % 200 == 0:
                self.c.link_rx()  # kiosk heartbeat every 200 ms
            self.c.tick()

    def put(self, high, low=None, ms=50):
        self.beams.high = high
        self.beams.low = high if low is None else low
        self.step(ms)

    def walk(self, people, speed_cm_s=140, start_cm=-40, end_cm=200, rx=True):
        """people: list of (offset_cm behind the first, depth_cm, row) rows 'hl' or 'l'."""
        x = start_cm * 1.0
        while x <= end_cm + 10:
            lo = 0
            hi = 0
            for off, depth, rows in people:
                b = x - off
                msk = span(b, depth)
                lo |= msk
                if "h" in rows:
                    hi |= msk
            self.beams.low = lo
            self.beams.high = hi
            self.step(10, rx)
            x += speed_cm_s / 100.0
        self.beams.low = self.beams.high = 0
        self.step(50, rx)

    def kinds(self):
        return [k for k, _, _ in self.events]

    def args(self, kind):
        return [a for k, a, _ in self.events if k == kind]


ADULT = [(0, 30, "hl")]


def test_boot_state_is_locked_and_shut():
    r = Rig()
    assert r.c.state == m.ST_LOCKED
    assert r.exit_out.v == 0 and r.entry_out.v == 0 and r.red.v == 1 and r.green.v == 0


def test_open_walk_through_close():
    r = Rig()
    assert r.c.open_exit(TX1, 5000) == 0
    assert r.c.state == m.ST_EXIT_OPEN and r.exit_out.v == 1 and r.green.v == 1
    assert r.entry_out.v == 1  # one-step flow: the entry admits the traveller
    r.put(span(-10, 30))
    assert r.c.state == m.ST_PASSAGE
    r.put(span(50, 30), ms=400)
    assert r.entry_out.v == 0 and r.exit_out.v == 1  # inside: entry re-locked behind them
    for x in range(60, 150, 10):
        r.put(span(x, 30))
    assert r.exit_out.v == 1
    r.put(0)
    assert r.c.state == m.ST_LOCKED and r.exit_out.v == 0 and r.entry_out.v == 0
    assert r.kinds() == [m.EV_DOOR_OPENED, m.EV_PASSED, m.EV_DOOR_CLOSED]
    assert r.events[2] == (m.EV_DOOR_CLOSED, m.ARG_PASSED, TX1)


def test_walk_at_every_speed_passes():
    for v in (50, 100, 140, 180):
        r = Rig()
        r.c.open_exit(TX1, 5000)
        r.walk(ADULT, v)
        assert r.kinds() == [m.EV_DOOR_OPENED, m.EV_PASSED, m.EV_DOOR_CLOSED], (v, r.events)


def test_replayed_or_bad_transaction_refused():
    r = Rig()
    assert r.c.open_exit(TX1, 1000) == 0
    r.step(1100)
    assert r.c.state == m.ST_LOCKED
    assert r.c.open_exit(TX1, 1000) == m.NAK_REPLAY
    assert r.c.open_entry(TX1, 1000) == m.NAK_REPLAY
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
    assert r.c.open_entry(TX2, 5000) == m.NAK_BUSY


def test_not_admitted_while_somebody_inside():
    r = Rig()
    r.put(span(60, 30))
    assert r.c.open_exit(TX1, 5000) == m.NAK_BUSY
    assert r.exit_out.v == 0


def test_window_expires_without_passage():
    r = Rig()
    r.c.open_exit(TX1, 2000)
    r.step(1990)
    assert r.c.state == m.ST_EXIT_OPEN
    r.step(20)
    assert r.c.state == m.ST_LOCKED and r.exit_out.v == 0 and r.entry_out.v == 0
    assert r.events[-1] == (m.EV_DOOR_CLOSED, m.ARG_TIMEOUT, TX1)


def test_lock_command_closes():
    r = Rig()
    r.c.open_exit(TX1, 5000)
    assert r.c.lock() == 0
    assert r.c.state == m.ST_LOCKED and r.exit_out.v == 0
    assert r.events[-1][1] == m.ARG_LOCK_CMD


def test_link_loss_empty_locks_within_1s():
    r = Rig()
    r.c.open_exit(TX1, 20000)
    r.step(790, rx=False)
    assert r.c.state == m.ST_EXIT_OPEN
    r.step(30, rx=False)
    assert r.c.state == m.ST_LOCKED and r.exit_out.v == 0 and r.entry_out.v == 0
    assert r.events[-1] == (m.EV_DOOR_CLOSED, m.ARG_LINK_LOST, TX1)


def test_link_loss_with_somebody_inside_gives_egress_to_the_kiosk_side():
    r = Rig()
    r.c.open_exit(TX1, 20000)
    r.put(span(-10, 30))
    r.put(span(60, 30), ms=400)
    assert r.c.state == m.ST_PASSAGE and r.exit_out.v == 1
    r.step(1000, rx=False)
    assert r.c.state == m.ST_ALARM and r.exit_out.v == 0 and r.entry_out.v == 1
    assert (m.EV_ALARM, m.ARG_LINK_LOST, TX1) in r.events
    r.put(0, ms=1100, )  # they stepped back out: entry locks again
    assert r.c.state == m.ST_LOCKED and r.entry_out.v == 0


def test_wrong_way_alarm():
    r = Rig()
    r.c.open_exit(TX1, 5000)
    r.put(span(140, 30))
    assert r.c.state == m.ST_ALARM and r.exit_out.v == 0
    assert (m.EV_ALARM, m.ARG_WRONG_WAY, TX1) in r.events


def test_backing_out_keeps_window():
    r = Rig()
    r.c.open_exit(TX1, 1000)
    r.put(span(-10, 30))
    r.put(0)
    assert r.c.state == m.ST_EXIT_OPEN
    r.step(1000)
    assert r.c.state == m.ST_LOCKED
    assert m.EV_PASSED not in r.kinds()


def test_glitch_is_debounced():
    r = Rig()
    r.c.open_exit(TX1, 5000)
    r.beams.high = r.beams.low = 0x8000
    r.step(10)  # one sample only
    r.beams.high = r.beams.low = 0
    r.step(50)
    assert r.c.state == m.ST_EXIT_OPEN


def test_passage_timeout_alarm():
    r = Rig()
    r.c.open_exit(TX1, 5000)
    r.put(span(-10, 30))
    r.put(span(60, 30), ms=20100)
    assert r.c.state == m.ST_ALARM and r.exit_out.v == 0 and r.entry_out.v == 1
    assert (m.EV_ALARM, m.ARG_PASSAGE_TIMEOUT, TX1) in r.events


def test_fire_releases_exit_for_egress():
    r = Rig()
    r.c.open_entry(TX2, 5000)
    r.c.fire_isr(r.fire)  # ISR path: exit released, entry locked at once
    assert r.exit_out.v == 1 and r.entry_out.v == 0
    r.fire.v = 1
    r.step(30)
    assert r.c.state == m.ST_EMERGENCY and r.exit_out.v == 1 and r.entry_out.v == 0
    assert r.c.open_exit(TX1, 1000) == m.NAK_EMERGENCY
    r.step(5000, rx=False)  # link loss does not re-lock during emergency
    assert r.exit_out.v == 1
    r.fire.v = 0
    r.step(400)
    assert r.c.state == m.ST_EMERGENCY and r.exit_out.v == 1  # held a while after the panel reset
    r.step(200)
    assert r.c.state == m.ST_LOCKED and r.exit_out.v == 0


def test_fire_input_level_without_isr():
    r = Rig()
    r.fire.v = 1
    r.step(20)
    assert r.c.state == m.ST_EMERGENCY and r.exit_out.v == 1


def test_fire_isr_before_the_level_is_debounced_stays_emergency():
    r = Rig()
    r.c.fire_isr(r.fire)
    r.fire.v = 1
    r.step(10)  # the level is not debounced yet on this tick
    r.step(100)
    assert r.c.state == m.ST_EMERGENCY and r.exit_out.v == 1


def test_beam_stuck_faults():
    r = Rig()
    r.put(0x8000, ms=30100)
    assert r.c.state == m.ST_FAULT and r.exit_out.v == 0 and r.entry_out.v == 0
    assert r.c.open_exit(TX1, 1000) == m.NAK_FAULT
    r.c.lock()
    assert r.c.state == m.ST_FAULT  # beam still blocked
    r.put(0)
    r.c.lock()
    assert r.c.state == m.ST_LOCKED


def test_two_step_entry_inside_exit():
    r = Rig()
    assert r.c.open_entry(TX1, 5000) == 0
    assert r.c.state == m.ST_ENTRY_OPEN and r.entry_out.v == 1 and r.exit_out.v == 0
    assert r.amber.v == 1
    r.put(span(-10, 30))
    r.put(span(80, 30), ms=400)
    assert r.c.state == m.ST_INSIDE and r.entry_out.v == 0 and r.exit_out.v == 0
    assert (m.EV_INSIDE, 1, TX1) in r.events
    assert r.c.open_exit(TX1, 5000) == m.NAK_REPLAY  # fresh transaction id only
    assert r.c.open_exit(TX2, 5000) == 0
    assert r.c.state == m.ST_PASSAGE and r.exit_out.v == 1 and r.entry_out.v == 0
    for x in range(90, 150, 10):
        r.put(span(x, 30))
    r.put(0)
    assert r.c.state == m.ST_LOCKED and r.exit_out.v == 0
    assert r.args(m.EV_PASSED) == [m.ARG_NONE]


def test_two_step_referred_traveller_leaves_back_through_the_entry():
    r = Rig()
    r.c.open_entry(TX1, 5000)
    r.put(span(-10, 30))
    r.put(span(80, 30), ms=400)
    assert r.c.state == m.ST_INSIDE
    r.c.lock()  # the kiosk refers them: exit stays locked, entry released for egress
    assert r.c.state == m.ST_ALARM and r.exit_out.v == 0 and r.entry_out.v == 1
    r.put(0, ms=1100)
    assert r.c.state == m.ST_LOCKED and r.entry_out.v == 0


def test_two_step_entry_window_expires():
    r = Rig()
    r.c.open_entry(TX1, 1000)
    r.step(1010)
    assert r.c.state == m.ST_LOCKED and r.entry_out.v == 0


def test_tailgate_two_adults_with_gap_alarm_exit_shut():
    r = Rig()
    r.c.open_exit(TX1, 5000)
    r.walk([(0, 30, "hl"), (45, 30, "hl")], 120)
    assert m.ARG_TAILGATE in r.args(m.EV_ALARM)
    assert r.exit_out.v == 0 and m.EV_PASSED not in r.kinds()


def test_tailgate_two_adults_touching():
    r = Rig()
    r.c.open_exit(TX1, 5000)
    r.walk([(0, 35, "hl"), (35, 35, "hl")], 100)
    assert m.ARG_TAILGATE in r.args(m.EV_ALARM)


def test_tailgate_follower_in_two_step_flow():
    r = Rig()
    r.c.open_entry(TX1, 5000)
    r.walk([(0, 30, "hl"), (100, 30, "hl")], 140, end_cm=120)
    assert r.c.state == m.ST_ALARM and r.exit_out.v == 0
    assert m.ARG_TAILGATE in r.args(m.EV_ALARM)
    assert r.c.open_exit(TX2, 5000) == m.NAK_BUSY


def test_luggage_and_child_are_not_tailgating():
    for people in ([(0, 30, "hl"), (-45, 60, "l")],  # trolley pushed ahead
                   [(0, 30, "hl"), (40, 45, "l")],  # suitcase pulled behind
                   [(0, 20, "hl")]):  # a child alone
        r = Rig()
        r.c.open_exit(TX1, 8000)
        r.walk(people, 120, end_cm=260)
        assert r.kinds() == [m.EV_DOOR_OPENED, m.EV_PASSED, m.EV_DOOR_CLOSED], (people, r.events)


def test_boot_with_somebody_inside_releases_entry_only():
    r = Rig(occupied_at_boot=True)
    assert r.c.state == m.ST_ALARM and r.entry_out.v == 1 and r.exit_out.v == 0
    assert r.c.open_exit(TX1, 1000) == m.NAK_BUSY
    r.put(0, ms=1100)
    assert r.c.state == m.ST_LOCKED and r.entry_out.v == 0


def test_forced_door_alarm():
    r = Rig()
    r.step(2000)
    r.exit_door.v = 1  # exit door pushed open while locked
    r.step(200)
    assert r.c.state == m.ST_ALARM and (m.EV_ALARM, m.ARG_DOOR_FORCED, bytes(8)) in r.events


def test_steady_state_tick_allocates_nothing():
    import sys
    if sys.implementation.name != "micropython":
        return
    import gc
    r = Rig()
    r.c.open_exit(TX1, 20000)
    for x in range(-30, 60, 2):
        r.put(span(x, 30), ms=10)
    r.step(500)
    assert r.c.state == m.ST_PASSAGE
    gc.collect()
    gc.disable()
    try:
        before = gc.mem_alloc()
        for _ in range(200):
            r.clk.t += 10
            r.c.link_rx()
            r.c.tick()
        grown = gc.mem_alloc() - before
    finally:
        gc.enable()
    assert grown == 0, grown
    assert r.c.state == m.ST_PASSAGE


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

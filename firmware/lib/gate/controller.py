"""GateController: the two-door gate state machine (pure, host-testable).

Doors: ENTRY (kiosk side, non-Schengen) and EXIT (into the Schengen area).
States (lanelink.messages ST_*), doors E(ntry)/X(exit): L locked, R released,
G egress = released only while somebody is inside, locked once it is empty:

  LOCKED      E L  X L  red           boot, passage done, LOCK, window expiry
  ENTRY_OPEN  E R  X L  amber         OPEN_ENTRY (two-step flow)
  INSIDE      E L  X L  amber         two-step: one traveller inside, entry re-locked
  EXIT_OPEN   E *  X R  green         OPEN_EXIT; from LOCKED (one-step flow) the
                                      entry is released too until the traveller
                                      is inside ("admit")
  PASSAGE     E *  X R  green         traveller inside walking to the exit
  ALARM       E G  X L  red, buzzer   tailgating, wrong way, forced door, link
                                      loss / reset with somebody inside
  FAULT       E L  X L  red, amber    a beam blocked >30 s in LOCKED
  EMERGENCY   E L  X R  red, green    fire input (free egress, issue #5)

Injected: ``clock`` (ticks_ms/ticks_diff/ticks_add), ``beams`` (``read(buf4)``
fills LOW lo/hi, HIGH lo/hi bytes; 1 = blocked), ``fire`` and ``doors``
(entry, exit) input pins (``value()``; fire 1 = active, door 1 = not
closed), ``outs`` = (entry release, exit release, green, red, amber,
buzzer) output pins (``value(v)``), ``emit(kind, arg, txid)``.
See firmware/SAFETY.md for the reasoning behind every door position.
"""

try:
    from micropython import const  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # CPython (mypy)

    def const(x: int) -> int:  # type: ignore[no-redef, misc, unused-ignore]
        return x


from lanelink import messages as m

from gate.occupancy import ENTRY_ZONE, Occupancy

_TXID_LEN = const(8)
_USED_SLOTS = const(32)
_WINDOW_MAX_MS = const(30000)
_PASSAGE_MAX_MS = const(20000)
_BEAM_STUCK_MS = const(30000)
_LINK_TIMEOUT_MS = const(800)  # kiosk heartbeats every 200 ms
_ENTRY_CLEAR_MS = const(300)  # entry zone clear this long -> traveller inside, entry re-locks
_CLEAR_MS = const(1000)  # chamber empty this long -> ALARM over
_DOOR_FORCED_MS = const(1500)  # door open this long after its lock engaged
_SLIP_IN_MS = const(3000)  # after a close: somebody arriving came through the closing door
_FIRE_CLEAR_MS = const(500)  # fire input inactive this long before EMERGENCY ends
# output indices
_O_ENTRY = const(0)
_O_EXIT = const(1)
_O_GREEN = const(2)
_O_RED = const(3)
_O_AMBER = const(4)
_O_BUZZER = const(5)
_PIN_BITS = const(0x1C)  # IN_FIRE | IN_ENTRY_DOOR_OPEN | IN_EXIT_DOOR_OPEN


class GateController:
    def __init__(self, clock: object, beams: object, fire: object, doors: object,
                 outs: object, emit: object, link_timeout_ms: int = _LINK_TIMEOUT_MS) -> None:
        self._clk = clock
        self._beams = beams
        self._fire = fire
        self._doors = doors
        self._o = outs
        self._emit = emit
        self.link_timeout_ms = link_timeout_ms
        self._buf = bytearray(4)
        self._raw_lo = 0
        self._raw_hi = 0
        self._raw_pins = 0
        self.occ = Occupancy()
        self.inputs = 0  # IN_* bitmask (debounced)
        self.state = m.ST_LOCKED
        self._used = bytearray(_TXID_LEN * _USED_SLOTS)
        self._used_next = 0
        self.txid = bytearray(_TXID_LEN)  # current / last transaction
        now = self._now()
        self._t_state = now
        self._deadline = 0
        self._admit = False  # one-step flow: entry released until the traveller is inside
        self._t_entry_clear = -1
        self._t_clear = -1
        self._t_rx = now
        self._t_stuck = -1
        self._t_door = [now, now]  # last change of each door's release output
        self._t_forced = -1
        self.link_ok = False
        self._fire_flag = False
        self.alarm_arg = 0
        self._set_outputs()

    # --- helpers --------------------------------------------------------
    def _now(self) -> int:
        return self._clk.ticks_ms()  # type: ignore[attr-defined, no-any-return]

    def _since(self, t: int) -> int:
        return self._clk.ticks_diff(self._now(), t)  # type: ignore[attr-defined, no-any-return]

    def _out(self, i: int, v: int) -> None:
        pin = self._o[i]  # type: ignore[index]
        if i < 2 and pin.value() != v:
            self._t_door[i] = self._now()
        pin.value(v)

    def _set_outputs(self) -> None:
        st = self.state
        occupied = self.occ.occupied
        entry = 0
        exit_ = 0
        green = 0
        red = 1
        amber = 0
        buzzer = 0
        if st == m.ST_EXIT_OPEN or st == m.ST_PASSAGE:
            entry = 1 if self._admit else 0
            exit_ = 1
            green = 1
            red = 0
        elif st == m.ST_ENTRY_OPEN:
            entry = 1
            red = 0
            amber = 1
        elif st == m.ST_INSIDE:
            red = 0
            amber = 1
        elif st == m.ST_ALARM:
            entry = 1 if occupied else 0  # egress back to the kiosk side
            buzzer = 1
        elif st == m.ST_FAULT:
            amber = 1
        elif st == m.ST_EMERGENCY:
            exit_ = 1
            green = 1
        self._out(_O_ENTRY, entry)
        self._out(_O_EXIT, exit_)
        self._out(_O_GREEN, green)
        self._out(_O_RED, red)
        self._out(_O_AMBER, amber)
        self._out(_O_BUZZER, buzzer)

    def _enter(self, st: int) -> None:
        if st == m.ST_LOCKED:
            self.occ.reset()  # from now on anybody arriving came through a locked/closing door
        self.state = st
        self._t_state = self._now()
        self._t_clear = -1
        self._t_entry_clear = -1
        self._set_outputs()

    def _event(self, kind: int, arg: int) -> None:
        self._emit(kind, arg, self.txid)  # type: ignore[operator]

    def _close(self, arg: int) -> None:
        self._admit = False
        self._enter(m.ST_LOCKED)
        self._event(m.EV_DOOR_CLOSED, arg)

    def _alarm(self, arg: int) -> None:
        """Exit locked at once; entry = egress while anybody is inside."""
        was_open = self.state in (m.ST_EXIT_OPEN, m.ST_PASSAGE, m.ST_ENTRY_OPEN)
        self._admit = False
        self.alarm_arg = arg
        self._enter(m.ST_ALARM)
        self._event(m.EV_ALARM, arg)
        if was_open:
            self._event(m.EV_DOOR_CLOSED, arg)

    def outputs(self) -> int:
        o = self._o
        v = 0
        if o[_O_EXIT].value():  # type: ignore[index]
            v |= m.OUT_EXIT_RELEASE
        if o[_O_GREEN].value():  # type: ignore[index]
            v |= m.OUT_LED_GREEN
        if o[_O_RED].value():  # type: ignore[index]
            v |= m.OUT_LED_RED
        if o[_O_ENTRY].value():  # type: ignore[index]
            v |= m.OUT_ENTRY_RELEASE
        if o[_O_AMBER].value():  # type: ignore[index]
            v |= m.OUT_LED_AMBER
        if o[_O_BUZZER].value():  # type: ignore[index]
            v |= m.OUT_BUZZER
        return v

    def _txid_used(self, txid: bytes | bytearray | memoryview) -> bool:
        u = self._used
        for s in range(_USED_SLOTS):
            o = s * _TXID_LEN
            for i in range(_TXID_LEN):
                if u[o + i] != txid[i]:
                    break
            else:
                return True
        return False

    def _take_txid(self, txid: bytes | bytearray | memoryview, window_ms: int) -> int:
        if len(txid) != _TXID_LEN or not 0 < window_ms <= _WINDOW_MAX_MS:
            return m.NAK_BAD_PAYLOAD
        zero = True
        for b in txid:
            if b:
                zero = False
                break
        if zero or self._txid_used(txid):
            return m.NAK_REPLAY
        o = self._used_next * _TXID_LEN
        self._used[o:o + _TXID_LEN] = txid
        self._used_next = (self._used_next + 1) % _USED_SLOTS
        self.txid[:] = txid
        self._deadline = self._clk.ticks_add(self._now(), window_ms)  # type: ignore[attr-defined]
        return 0

    def _refuse(self) -> int:
        st = self.state
        if st == m.ST_EMERGENCY:
            return m.NAK_EMERGENCY
        if st == m.ST_FAULT:
            return m.NAK_FAULT
        return m.NAK_BUSY

    # --- ISR-style handler (main.py attaches it to the fire input) ------
    def fire_isr(self, pin: object) -> None:
        # short, allocation-free: free egress at once, entry locked
        self._fire_flag = True
        self._o[_O_EXIT].value(1)  # type: ignore[index]
        self._o[_O_ENTRY].value(0)  # type: ignore[index]

    # --- link -----------------------------------------------------------
    def link_rx(self) -> None:
        self._t_rx = self._now()
        self.link_ok = True

    # --- commands (return 0 = ACK, else NAK reason) ----------------------
    def open_exit(self, txid: bytes | bytearray | memoryview, window_ms: int) -> int:
        st = self.state
        if st == m.ST_LOCKED:
            if self.occ.occupied:
                return m.NAK_BUSY  # somebody/something inside: nobody is admitted
            admit = True
        elif st == m.ST_INSIDE:
            admit = False
        else:
            return self._refuse()
        r = self._take_txid(txid, window_ms)
        if r:
            return r
        if admit:
            self.occ.reset()
        self._admit = admit
        self._enter(m.ST_EXIT_OPEN if admit else m.ST_PASSAGE)
        self._event(m.EV_DOOR_OPENED, m.ARG_NONE)
        return 0

    def open_entry(self, txid: bytes | bytearray | memoryview, window_ms: int) -> int:
        if self.state != m.ST_LOCKED:
            return self._refuse()
        if self.occ.occupied:
            return m.NAK_BUSY
        r = self._take_txid(txid, window_ms)
        if r:
            return r
        self.occ.reset()
        self._admit = False
        self._enter(m.ST_ENTRY_OPEN)
        self._event(m.EV_DOOR_OPENED, m.ARG_NONE)
        return 0

    def lock(self) -> int:
        st = self.state
        if st in (m.ST_EXIT_OPEN, m.ST_PASSAGE, m.ST_ENTRY_OPEN, m.ST_INSIDE):
            if self.occ.occupied:
                self._alarm(m.ARG_LOCK_CMD)  # nobody is shut in: egress to the kiosk side
            else:
                self._close(m.ARG_LOCK_CMD)
        elif (st == m.ST_FAULT or st == m.ST_ALARM) and not self.occ.occupied:
            self._enter(m.ST_LOCKED)
            self._event(m.EV_SNAPSHOT, m.ARG_NONE)
        return 0

    def fault(self, arg: int) -> None:
        if self.state != m.ST_EMERGENCY:
            self._admit = False
            self._enter(m.ST_FAULT)
            self._event(m.EV_FAULT, arg)

    # --- periodic (every ~10 ms) -----------------------------------------
    def sample(self) -> None:
        b = self._buf
        self._beams.read(b)  # type: ignore[attr-defined]
        lo = b[0] | b[1] << 8
        hi = b[2] | b[3] << 8
        # per-bit debounce: a bit changes only if two samples in a row agree
        st = ~(lo ^ self._raw_lo)
        dlo = (self.occ.low & ~st) | (lo & st)
        st = ~(hi ^ self._raw_hi)
        dhi = (self.occ.high & ~st) | (hi & st)
        self._raw_lo = lo
        self._raw_hi = hi
        self.occ.update(dlo & 0xFFFF, dhi & 0xFFFF)
        d = self._doors
        raw = 0
        if self._fire.value():  # type: ignore[attr-defined]
            raw |= m.IN_FIRE
        if d[0].value():  # type: ignore[index]
            raw |= m.IN_ENTRY_DOOR_OPEN
        if d[1].value():  # type: ignore[index]
            raw |= m.IN_EXIT_DOOR_OPEN
        st = ~(raw ^ self._raw_pins)
        inp = (self.inputs & ~st | raw & st) & _PIN_BITS
        self._raw_pins = raw
        occ = self.occ
        if occ.entry_zone:
            inp |= m.IN_BEAM_ENTRY
        if occ.exit_zone:
            inp |= m.IN_BEAM_EXIT
        if occ.occupied:
            inp |= m.IN_OCCUPIED
        self.inputs = inp

    def boot(self) -> None:
        """After reset: somebody inside (beams) -> ALARM egress, else stay LOCKED."""
        self.sample()
        self.sample()
        if self.occ.occupied and self.state == m.ST_LOCKED:
            self._alarm(m.ARG_BOOT)

    def _forced(self) -> bool:
        inp = self.inputs
        o = self._o
        forced = False
        for i in range(2):
            sensed = inp & (m.IN_ENTRY_DOOR_OPEN if i == 0 else m.IN_EXIT_DOOR_OPEN)
            released = o[i].value()  # type: ignore[index]
            if sensed and not released and self._since(self._t_door[i]) > _DOOR_FORCED_MS:
                forced = True
        if not forced:
            self._t_forced = -1
            return False
        if self._t_forced < 0:
            self._t_forced = self._now()
        return self._since(self._t_forced) >= 100

    def tick(self) -> None:
        self.sample()
        inp = self.inputs
        st = self.state
        occ = self.occ
        fire = inp & m.IN_FIRE or self._fire_flag
        self._fire_flag = False
        if fire and st != m.ST_EMERGENCY:
            self._admit = False
            self._enter(m.ST_EMERGENCY)
            self._event(m.EV_ALARM, m.ARG_FIRE)
            return
        if st == m.ST_EMERGENCY:
            if inp & m.IN_FIRE:
                self._t_clear = -1
            elif self._t_clear < 0:
                self._t_clear = self._now()
            elif self._since(self._t_clear) >= _FIRE_CLEAR_MS:  # panel reset, held
                if occ.occupied:
                    self._alarm(m.ARG_FIRE_CLEAR)
                else:
                    self._enter(m.ST_LOCKED)
                    self._event(m.EV_ALARM, m.ARG_FIRE_CLEAR)
            return
        if self.link_ok and self._since(self._t_rx) > self.link_timeout_ms:
            self.link_ok = False
            if st in (m.ST_EXIT_OPEN, m.ST_PASSAGE, m.ST_ENTRY_OPEN, m.ST_INSIDE):
                if occ.occupied:
                    self._alarm(m.ARG_LINK_LOST)
                else:
                    self._close(m.ARG_LINK_LOST)
                return
        if st != m.ST_ALARM and st != m.ST_FAULT and self._forced():
            self._alarm(m.ARG_DOOR_FORCED)
            return
        if st == m.ST_LOCKED:
            if occ.arrivals and self._since(self._t_state) < _SLIP_IN_MS:
                self._alarm(m.ARG_TAILGATE)  # slipped in through the closing entry door
                return
            if occ.occupied:
                if self._t_stuck < 0:
                    self._t_stuck = self._now()
                elif self._since(self._t_stuck) > _BEAM_STUCK_MS:
                    self._t_stuck = -1
                    self.fault(m.ARG_BEAM_STUCK)
            else:
                self._t_stuck = -1
            return
        if st == m.ST_ALARM or st == m.ST_FAULT:
            if st == m.ST_ALARM:
                self._set_outputs()  # entry egress follows occupancy
                if occ.occupied:
                    self._t_clear = -1
                elif self._t_clear < 0:
                    self._t_clear = self._now()
                elif self._since(self._t_clear) >= _CLEAR_MS:
                    self._enter(m.ST_LOCKED)
                    self._event(m.EV_SNAPSHOT, m.ARG_CLEAR)
            return
        # an admission is running: ENTRY_OPEN, INSIDE, EXIT_OPEN, PASSAGE
        if occ.tailgate:
            self._alarm(m.ARG_TAILGATE)
            return
        if occ.wrong_way:
            self._alarm(m.ARG_WRONG_WAY)
            return
        if st == m.ST_EXIT_OPEN:
            if occ.arrivals:
                self._enter(m.ST_PASSAGE)
            elif self._expired():
                if occ.occupied:  # something in the doorway: never shut a door on it
                    self._alarm(m.ARG_PASSAGE_TIMEOUT)
                else:
                    self._close(m.ARG_TIMEOUT)
            return
        if st == m.ST_ENTRY_OPEN:
            if occ.arrivals and self._entry_cleared():
                self._enter(m.ST_INSIDE)
                self._event(m.EV_INSIDE, occ.persons)
            elif self._expired():
                if occ.occupied:  # still in the doorway: never shut a door on somebody
                    self._alarm(m.ARG_PASSAGE_TIMEOUT)
                else:
                    self._close(m.ARG_TIMEOUT)
            return
        if st == m.ST_INSIDE:
            if not occ.occupied:
                self._close(m.ARG_BACKED_OUT)
            elif self._since(self._t_state) > _PASSAGE_MAX_MS:  # no decision: let them out back
                self._alarm(m.ARG_PASSAGE_TIMEOUT)
            return
        # PASSAGE
        if self._admit and self._entry_cleared():
            self._admit = False  # traveller inside: the entry re-locks behind them
            self._set_outputs()
        if not occ.occupied:
            if occ.seen_exit:
                self._event(m.EV_PASSED, m.ARG_NONE)
                self._close(m.ARG_PASSED)
            elif self._admit:  # backed out: the open window keeps running
                occ.reset()
                self.state = m.ST_EXIT_OPEN
            else:
                self._close(m.ARG_BACKED_OUT)
        elif self._since(self._t_state) > _PASSAGE_MAX_MS:
            self._alarm(m.ARG_PASSAGE_TIMEOUT)

    def _expired(self) -> bool:
        return self._clk.ticks_diff(self._now(), self._deadline) >= 0  # type: ignore[attr-defined, no-any-return]

    def _entry_cleared(self) -> bool:
        """The entry zone has been clear (both rows) for _ENTRY_CLEAR_MS with somebody inside."""
        occ = self.occ
        if (occ.low | occ.high) & ENTRY_ZONE or not occ.occupied:
            self._t_entry_clear = -1
            return False
        if self._t_entry_clear < 0:
            self._t_entry_clear = self._now()
            return False
        return self._since(self._t_entry_clear) >= _ENTRY_CLEAR_MS

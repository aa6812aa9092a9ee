"""GateController: the exit-door state machine (pure, host-testable).

States: LOCKED -> EXIT_OPEN (fresh OPEN_EXIT) -> PASSAGE (entry beam)
-> traveller passed (exit beam, then both clear) -> LOCKED.  FAULT and
EMERGENCY (fire input: exit released for free egress) override.
Injected: ``clock`` (ticks_ms/ticks_diff/ticks_add, e.g. the ``time``
module), input pins (``value()``, 1 = beam blocked / fire active) and
output pins (``value(v)``, exit 1 = released), ``emit(kind, arg, txid)``.
"""

try:
    from micropython import const  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # CPython (mypy)

    def const(x: int) -> int:  # type: ignore[no-redef, misc, unused-ignore]
        return x


from lanelink import messages as m

_TXID_LEN = const(8)
_USED_SLOTS = const(32)
_WINDOW_MAX_MS = const(30000)
_PASSAGE_MAX_MS = const(20000)
_BEAM_STUCK_MS = const(30000)
_LINK_TIMEOUT_MS = const(3000)


class GateController:
    def __init__(self, clock: object, beam_entry: object, beam_exit: object, fire: object,
                 exit_out: object, green: object, red: object, emit: object,
                 link_timeout_ms: int = _LINK_TIMEOUT_MS) -> None:
        self._clk = clock
        self._in = (beam_entry, beam_exit, fire)
        self._exit = exit_out
        self._green = green
        self._red = red
        self._emit = emit
        self.link_timeout_ms = link_timeout_ms
        self._raw = 0  # last raw input sample (bitmask)
        self.inputs = 0  # debounced inputs (IN_* bitmask)
        self.state = m.ST_LOCKED
        self._used = bytearray(_TXID_LEN * _USED_SLOTS)
        self._used_next = 0
        self.txid = bytearray(_TXID_LEN)  # current / last transaction
        self._t_state = self._now()  # when the current state was entered
        self._deadline = 0  # open-window end
        self._phase = 0  # PASSAGE: 1 entry seen, 2 exit seen
        self._t_rx = self._t_state  # last valid frame from the kiosk
        self._t_exit_blocked = -1
        self.link_ok = False
        self._fire_flag = False
        self._outputs(m.ST_LOCKED)

    # --- helpers --------------------------------------------------------
    def _now(self) -> int:
        return self._clk.ticks_ms()  # type: ignore[attr-defined, no-any-return]

    def _since(self, t: int) -> int:
        return self._clk.ticks_diff(self._now(), t)  # type: ignore[attr-defined, no-any-return]

    def _outputs(self, st: int) -> None:
        release = st in (m.ST_EXIT_OPEN, m.ST_PASSAGE, m.ST_EMERGENCY)
        self._exit.value(1 if release else 0)  # type: ignore[attr-defined]
        self._green.value(1 if release else 0)  # type: ignore[attr-defined]
        self._red.value(0 if st in (m.ST_EXIT_OPEN, m.ST_PASSAGE) else 1)  # type: ignore[attr-defined]

    def _enter(self, st: int) -> None:
        self.state = st
        self._t_state = self._now()
        self._outputs(st)

    def _event(self, kind: int, arg: int) -> None:
        self._emit(kind, arg, self.txid)  # type: ignore[operator]

    def _close(self, arg: int) -> None:
        self._enter(m.ST_LOCKED)
        self._event(m.EV_DOOR_CLOSED, arg)

    def outputs(self) -> int:
        v = 0
        if self._exit.value():  # type: ignore[attr-defined]
            v |= m.OUT_EXIT_RELEASE
        if self._green.value():  # type: ignore[attr-defined]
            v |= m.OUT_LED_GREEN
        if self._red.value():  # type: ignore[attr-defined]
            v |= m.OUT_LED_RED
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

    # --- ISR-style handler (main.py attaches it to the fire input) ------
    def fire_isr(self, pin: object) -> None:
        self._fire_flag = True
        self._exit.value(1)  # type: ignore[attr-defined]  # free egress at once

    # --- link -----------------------------------------------------------
    def link_rx(self) -> None:
        self._t_rx = self._now()
        self.link_ok = True

    # --- commands (return 0 = ACK, else NAK reason) ----------------------
    def open_exit(self, txid: bytes | bytearray | memoryview, window_ms: int) -> int:
        if self.state == m.ST_EMERGENCY:
            return m.NAK_EMERGENCY
        if self.state == m.ST_FAULT:
            return m.NAK_FAULT
        if self.state != m.ST_LOCKED:
            return m.NAK_BUSY
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
        self._phase = 0
        self._enter(m.ST_EXIT_OPEN)
        self._event(m.EV_DOOR_OPENED, m.ARG_NONE)
        return 0

    def lock(self) -> int:
        if self.state in (m.ST_EXIT_OPEN, m.ST_PASSAGE):
            self._close(m.ARG_LOCK_CMD)
        elif self.state == m.ST_FAULT and not self.inputs & (m.IN_BEAM_ENTRY | m.IN_BEAM_EXIT):
            self._enter(m.ST_LOCKED)
            self._event(m.EV_SNAPSHOT, m.ARG_NONE)
        return 0

    def fault(self, arg: int) -> None:
        if self.state != m.ST_EMERGENCY:
            self._enter(m.ST_FAULT)
            self._event(m.EV_FAULT, arg)

    # --- periodic (every ~10 ms) -----------------------------------------
    def sample(self) -> None:
        raw = 0
        for i in range(3):
            if self._in[i].value():  # type: ignore[attr-defined]
                raw |= 1 << i
        if raw == self._raw:  # two equal samples in a row = debounced
            self.inputs = raw
        self._raw = raw

    def tick(self) -> None:
        self.sample()
        inp = self.inputs
        st = self.state
        fire = inp & m.IN_FIRE or self._fire_flag
        self._fire_flag = False
        if fire and st != m.ST_EMERGENCY:
            self._enter(m.ST_EMERGENCY)
            self._event(m.EV_ALARM, m.ARG_FIRE)
            return
        if st == m.ST_EMERGENCY:
            if not inp & m.IN_FIRE:
                self._enter(m.ST_LOCKED)
                self._event(m.EV_ALARM, m.ARG_FIRE_CLEAR)
            return
        e = inp & m.IN_BEAM_ENTRY
        x = inp & m.IN_BEAM_EXIT
        if self.link_ok and self._since(self._t_rx) > self.link_timeout_ms:
            self.link_ok = False
            if st in (m.ST_EXIT_OPEN, m.ST_PASSAGE):
                self._close(m.ARG_LINK_LOST)
                return
        if st == m.ST_LOCKED:
            if x:
                if self._t_exit_blocked < 0:
                    self._t_exit_blocked = self._now()
                elif self._since(self._t_exit_blocked) > _BEAM_STUCK_MS:
                    self._t_exit_blocked = -1
                    self.fault(m.ARG_BEAM_STUCK)
            else:
                self._t_exit_blocked = -1
        elif st == m.ST_EXIT_OPEN:
            if x and not e:
                self._event(m.EV_ALARM, m.ARG_WRONG_WAY)
                self._close(m.ARG_WRONG_WAY)
            elif e:
                self._phase = 2 if x else 1
                self._enter(m.ST_PASSAGE)
            elif self._clk.ticks_diff(self._now(), self._deadline) >= 0:  # type: ignore[attr-defined]
                self._close(m.ARG_TIMEOUT)
        elif st == m.ST_PASSAGE:
            if x:
                self._phase = 2
            if not e and not x:
                if self._phase == 2:
                    self._event(m.EV_PASSED, m.ARG_NONE)
                    self._close(m.ARG_PASSED)
                else:  # backed out: the open window keeps running
                    self.state = m.ST_EXIT_OPEN
            elif self._since(self._t_state) > _PASSAGE_MAX_MS:
                self._event(m.EV_ALARM, m.ARG_PASSAGE_TIMEOUT)
                self._close(m.ARG_PASSAGE_TIMEOUT)

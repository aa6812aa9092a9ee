"""Host emulation of ``machine`` for the MicroPython unix port.

Put this directory first on MICROPYPATH; it shadows the port's built-in
``machine``. Wiring (see firmware/README.md):

  OPENABC_GATE_UART  path of a tty (pty slave): the gate UART, raw bytes.
  OPENABC_GATE_CTRL  path of a tty (pty slave): the control channel, ASCII
                     lines, '\n' terminated:
      harness -> gate   SET <pin> <0|1>   drive an input pin level
                        BEAMS <low> <high>  beam array rows (hex, bit i = column i
                                          blocked), read through machine.SPI
                        HANG <ms>         firmware stops running for <ms> (a stuck
                                          driver/loop): the watchdog starves
                        DUMP              report every pin (IN/OUT lines)
      gate -> harness   BOOT <cause>      shim initialised (reset cause)
                        OUT <pin> <0|1>   an output pin changed (and at init)
                        IN <pin> <0|1>    (DUMP answer) input level
                        RESET <why>       machine.reset() or watchdog expiry
  OPENABC_GATE_RESET_CAUSE  integer returned by reset_cause() (default 1).

Control input is serviced whenever firmware touches the shim (Pin.value,
UART.any/readinto, SPI.readinto, WDT.feed); pin IRQ handlers run from there.
The WDT is a hardware timer on the board, so here a separate thread checks
it: on starvation it reports ``RESET wdt`` (the harness then restarts the
process with reset cause WDT_RESET, as the chip would) and the firmware
exits at its next call into the shim.
"""

import os
import select
import sys
import time

import _thread

PWRON_RESET = 1
HARD_RESET = 2
WDT_RESET = 3
DEEPSLEEP_RESET = 4
SOFT_RESET = 5
BROWNOUT_RESET = 6  # not on rp2 (brown-out = power-on there); esp32-style


class _Tty:
    """Non-blocking byte access to a tty path opened by the firmware."""

    def __init__(self, path):
        self.f = open(path, "r+b")
        self.p = select.poll()
        self.p.register(self.f, select.POLLIN)
        self._one = bytearray(1)

    def ready(self):
        return bool(self.p.poll(0))

    def read_into(self, buf, nmax):
        n = 0
        one = self._one
        while n < nmax and self.p.poll(0):
            if not self.f.readinto(one):
                break
            buf[n] = one[0]
            n += 1
        return n

    def write(self, data):
        self.f.write(data)
        return len(data)


class _Bus:
    def __init__(self):
        path = os.getenv("OPENABC_GATE_CTRL")
        self.tty = _Tty(path) if path else None
        self.levels = {}
        self.pins = {}
        self.line = bytearray(64)
        self.n = 0
        self.wdt = None
        self.beams = bytearray(4)
        self.dead = False
        self._say("BOOT %d" % reset_cause())

    def _say(self, s):
        if self.tty:
            self.tty.write(s.encode() + b"\n")

    def service(self):
        if self.dead:
            sys.exit(WDT_RESET)
        if self.wdt is not None:
            self.wdt.check()
        t = self.tty
        if t is None:
            return
        one = bytearray(1)
        while t.read_into(one, 1):
            b = one[0]
            if b == 10:
                self._line(bytes(self.line[:self.n]).decode().split())
                self.n = 0
            elif self.n < len(self.line):
                self.line[self.n] = b
                self.n += 1

    def _line(self, w):
        if len(w) == 3 and w[0] == "SET":
            pin = int(w[1])
            v = 1 if w[2] == "1" else 0
            old = self.levels.get(pin, 0)
            self.levels[pin] = v
            p = self.pins.get(pin)
            if p is not None and v != old:
                p._edge(v)
        elif len(w) == 3 and w[0] == "BEAMS":
            lo = int(w[1], 16)
            hi = int(w[2], 16)
            b = self.beams
            b[0] = lo & 0xFF
            b[1] = (lo >> 8) & 0xFF
            b[2] = hi & 0xFF
            b[3] = (hi >> 8) & 0xFF
        elif len(w) == 2 and w[0] == "HANG":
            time.sleep_ms(int(w[1]))  # nothing feeds the WDT meanwhile
        elif w and w[0] == "DUMP":
            for pin, p in self.pins.items():
                kind = "OUT" if p.mode == Pin.OUT else "IN"
                self._say("%s %d %d" % (kind, pin, p.value()))

    def output(self, pin, v):
        self._say("OUT %d %d" % (pin, v))


class Pin:
    IN = 0
    OUT = 1
    OPEN_DRAIN = 2
    PULL_UP = 1
    PULL_DOWN = 2
    IRQ_RISING = 1
    IRQ_FALLING = 2

    def __init__(self, id, mode=-1, pull=-1, value=None):
        self.id = id
        self.mode = mode
        self._v = 0
        self._irq = None
        self._trig = 0
        _bus.pins[id] = self
        if mode == Pin.OUT:
            self._v = 1 if value else 0
            _bus.output(id, self._v)

    def value(self, v=None):
        if v is None:
            if self.mode == Pin.OUT:
                return self._v
            _bus.service()
            return _bus.levels.get(self.id, 0)
        v = 1 if v else 0
        if self.mode == Pin.OUT and v != self._v:
            self._v = v
            _bus.output(self.id, v)
        return None

    def __call__(self, v=None):
        return self.value(v)

    def on(self):
        self.value(1)

    def off(self):
        self.value(0)

    def irq(self, handler=None, trigger=3):
        self._irq = handler
        self._trig = trigger

    def _edge(self, v):
        if self._irq and self._trig & (Pin.IRQ_RISING if v else Pin.IRQ_FALLING):
            self._irq(self)


class UART:
    def __init__(self, id, baudrate=115200, timeout=0, **kw):
        path = os.getenv("OPENABC_GATE_UART")
        if not path:
            raise OSError("OPENABC_GATE_UART not set")
        self._tty = _Tty(path)

    def any(self):
        _bus.service()
        return 1 if self._tty.ready() else 0

    def readinto(self, buf, nbytes=-1):
        _bus.service()
        n = self._tty.read_into(buf, len(buf) if nbytes < 0 else nbytes)
        return n or None

    def read(self, nbytes=64):
        buf = bytearray(nbytes)
        n = self.readinto(buf)
        return bytes(buf[:n]) if n else None

    def write(self, buf):
        return self._tty.write(buf)


class SPI:
    """SPI master whose MISO is the beam array's shift-register chain (4 bytes)."""

    def __init__(self, id, baudrate=1000000, **kw):
        self.id = id

    def readinto(self, buf, write=0):
        _bus.service()
        b = _bus.beams
        for i in range(len(buf)):
            buf[i] = b[i] if i < 4 else 0

    def read(self, nbytes, write=0):
        buf = bytearray(nbytes)
        self.readinto(buf)
        return bytes(buf)


class WDT:
    def __init__(self, id=0, timeout=5000):
        self.timeout = timeout
        self.t = time.ticks_ms()
        _bus.wdt = self
        _thread.start_new_thread(self._watch, ())

    def feed(self):
        self.t = time.ticks_ms()
        _bus.service()

    def _watch(self):
        while not _bus.dead:
            time.sleep_ms(10)
            self.check(False)

    def check(self, here=True):
        if not _bus.dead and time.ticks_diff(time.ticks_ms(), self.t) > self.timeout:
            _bus.dead = True
            _bus._say("RESET wdt")
        if here and _bus.dead:
            sys.exit(WDT_RESET)


def reset_cause():
    return int(os.getenv("OPENABC_GATE_RESET_CAUSE") or PWRON_RESET)


def reset():
    _bus._say("RESET reset")
    sys.exit(HARD_RESET)


def soft_reset():
    reset()


def idle():
    time.sleep_ms(1)


_bus = _Bus()

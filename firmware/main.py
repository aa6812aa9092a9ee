"""Gate controller entry point: the ONLY module that imports ``machine``.

Builds pins, beam array (SPI), UART and watchdog, wires GateController +
GateEndpoint and runs the asyncio main loop. Pin numbers below are the board wiring; the
host emulation (firmware/host/machine.py) uses the same numbers.
"""

import asyncio
import os
import sys
import time

import machine
from micropython import const

from gate.controller import GateController
from gate.endpoint import GateEndpoint

_UART_ID = const(1)
_BAUD = const(115200)
# beam array: 2 rows x 16 columns behind four chained 74HC165 shift registers on SPI0
_SPI_ID = const(0)
_SPI_BAUD = const(1000000)
_PIN_BEAM_LATCH = const(15)  # out, 74HC165 SH/LD: low pulse loads the 32 beam levels
_PIN_FIRE = const(12)  # in, 1 = fire alarm panel demands free egress
_PIN_ENTRY_DOOR = const(13)  # in, 1 = entry door not closed (door sensor)
_PIN_EXIT_DOOR = const(14)  # in, 1 = exit door not closed
_PIN_EXIT_RELEASE = const(20)  # out, 1 = exit door released / motor open
_PIN_LED_GREEN = const(21)  # out
_PIN_LED_RED = const(22)  # out
_PIN_ENTRY_RELEASE = const(23)  # out, 1 = entry door released
_PIN_LED_AMBER = const(24)  # out
_PIN_BUZZER = const(25)  # out
_TICK_MS = const(10)
_RX_IDLE_MS = const(2)
_WDT_MS = const(500)  # starvation -> reset -> boot into the safe state well within 1 s


class BeamArray:
    """Reads the 32 beams (LOW row lo/hi byte, HIGH row lo/hi byte) into a caller buffer."""

    def __init__(self, spi, latch):
        self._spi = spi
        self._latch = latch

    def read(self, buf):
        self._latch.value(0)
        self._latch.value(1)
        self._spi.readinto(buf)


async def rx_loop(uart, ep, buf):
    while True:
        n = uart.any()
        if n:
            n = uart.readinto(buf)
            if n:
                ep.feed(buf, n)
            await asyncio.sleep_ms(0)
        else:
            await asyncio.sleep_ms(_RX_IDLE_MS)


async def io_loop(ctrl, ep, wdt):
    while True:
        ctrl.tick()
        ep.poll()
        wdt.feed()
        await asyncio.sleep_ms(_TICK_MS)


def main():
    Pin = machine.Pin
    # both doors locked before anything else (a reset must never open a door)
    exit_out = Pin(_PIN_EXIT_RELEASE, Pin.OUT, value=0)
    entry_out = Pin(_PIN_ENTRY_RELEASE, Pin.OUT, value=0)
    green = Pin(_PIN_LED_GREEN, Pin.OUT, value=0)
    red = Pin(_PIN_LED_RED, Pin.OUT, value=1)
    amber = Pin(_PIN_LED_AMBER, Pin.OUT, value=0)
    buzzer = Pin(_PIN_BUZZER, Pin.OUT, value=0)
    fire = Pin(_PIN_FIRE, Pin.IN, Pin.PULL_DOWN)
    entry_door = Pin(_PIN_ENTRY_DOOR, Pin.IN, Pin.PULL_DOWN)
    exit_door = Pin(_PIN_EXIT_DOOR, Pin.IN, Pin.PULL_DOWN)
    latch = Pin(_PIN_BEAM_LATCH, Pin.OUT, value=1)
    spi = machine.SPI(_SPI_ID, baudrate=_SPI_BAUD)
    wdt = machine.WDT(timeout=_WDT_MS)
    uart = machine.UART(_UART_ID, baudrate=_BAUD, timeout=0)
    cause = machine.reset_cause()
    r = os.urandom(2)
    seq0 = r[0] | r[1] << 8  # different sequence space after every reset
    ep = GateEndpoint(None, uart.write, time, seq0, cause)
    ctrl = GateController(time, BeamArray(spi, latch), fire, (entry_door, exit_door),
                          (entry_out, exit_out, green, red, amber, buzzer), ep.emit)
    ep.ctrl = ctrl
    fire.irq(trigger=Pin.IRQ_RISING, handler=ctrl.fire_isr)
    ctrl.boot()  # somebody inside after a reset -> ALARM, entry released for egress
    buf = bytearray(64)
    try:
        asyncio.run(_run(uart, ctrl, ep, wdt, buf, cause))
    except Exception as e:  # noqa: BLE001 - last line of defence: exit shut
        exit_out.value(0)
        sys.print_exception(e)
        machine.reset()


async def _run(uart, ctrl, ep, wdt, buf, cause):
    from lanelink import messages as m
    ep.emit(m.EV_SNAPSHOT, m.ARG_BOOT, ctrl.txid)
    if cause == machine.WDT_RESET:
        ep.emit(m.EV_FAULT, m.ARG_WDT_RESET, ctrl.txid)
    elif cause == getattr(machine, "BROWNOUT_RESET", -1):  # ports that report it (esp32)
        ep.emit(m.EV_FAULT, m.ARG_BROWNOUT, ctrl.txid)
    await asyncio.gather(rx_loop(uart, ep, buf), io_loop(ctrl, ep, wdt))


main()

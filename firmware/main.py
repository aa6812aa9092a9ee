"""Gate controller entry point: the ONLY module that imports ``machine``.

Builds pins, UART and watchdog, wires GateController + GateEndpoint and
runs the asyncio main loop. Pin numbers below are the board wiring; the
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
_PIN_BEAM_ENTRY = const(10)  # in, 1 = beam interrupted (entry side, inside gate)
_PIN_BEAM_EXIT = const(11)  # in, 1 = beam interrupted (exit side)
_PIN_FIRE = const(12)  # in, 1 = fire alarm panel demands free egress
_PIN_EXIT_RELEASE = const(20)  # out, 1 = exit door released / motor open
_PIN_LED_GREEN = const(21)  # out
_PIN_LED_RED = const(22)  # out
_TICK_MS = const(10)
_RX_IDLE_MS = const(2)
_WDT_MS = const(2000)


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
    exit_out = Pin(_PIN_EXIT_RELEASE, Pin.OUT, value=0)  # exit shut before anything else
    green = Pin(_PIN_LED_GREEN, Pin.OUT, value=0)
    red = Pin(_PIN_LED_RED, Pin.OUT, value=1)
    entry = Pin(_PIN_BEAM_ENTRY, Pin.IN, Pin.PULL_DOWN)
    exit_b = Pin(_PIN_BEAM_EXIT, Pin.IN, Pin.PULL_DOWN)
    fire = Pin(_PIN_FIRE, Pin.IN, Pin.PULL_DOWN)
    uart = machine.UART(_UART_ID, baudrate=_BAUD, timeout=0)
    wdt = machine.WDT(timeout=_WDT_MS)
    r = os.urandom(2)
    seq0 = r[0] | r[1] << 8  # different sequence space after every reset
    ep = GateEndpoint(None, uart.write, time, seq0, machine.reset_cause())
    ctrl = GateController(time, entry, exit_b, fire, exit_out, green, red, ep.emit)
    ep.ctrl = ctrl
    fire.irq(trigger=Pin.IRQ_RISING, handler=ctrl.fire_isr)
    buf = bytearray(64)
    try:
        asyncio.run(_run(uart, ctrl, ep, wdt, buf))
    except Exception as e:  # noqa: BLE001 - last line of defence: shut the exit
        exit_out.value(0)
        sys.print_exception(e)
        machine.reset()


async def _run(uart, ctrl, ep, wdt, buf):
    from lanelink import messages as m
    ep.emit(m.EV_SNAPSHOT, m.ARG_BOOT, ctrl.txid)
    await asyncio.gather(rx_loop(uart, ep, buf), io_loop(ctrl, ep, wdt))


main()

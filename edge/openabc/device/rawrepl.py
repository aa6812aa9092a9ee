"""Raw REPL / raw-paste console to a MicroPython board, on mpremote's transport.

mpremote (the MicroPython project's own tool) implements the protocol: Ctrl-C
to interrupt, Ctrl-A into the raw REPL, ``\\x05A\\x01`` to negotiate raw-paste
with its window flow control (fallback: plain raw REPL, Ctrl-D executes, the
board answers ``OK``, output, 0x04, error output, 0x04), Ctrl-B back to the
friendly REPL. We use its ``SerialTransport`` as a library and add typing, a
serial read timeout (so a board that dies mid-command never hangs the tool)
and JSON helpers.

The console is the MCU's USB serial REPL; the gate's lanelink frames run on a
separate UART, so no lanelink byte (0x03 included) ever reaches the REPL.
"""

from __future__ import annotations

import json
import time
from typing import Any

from mpremote.transport import TransportError  # type: ignore[import-untyped]
from mpremote.transport_serial import SerialTransport  # type: ignore[import-untyped]


class ConsoleError(Exception):
    """The board did not answer on its console as expected."""


class RawRepl:
    def __init__(self, port: str, *, read_timeout: float = 2.0, connect_timeout: float = 10.0):
        self.port = port
        deadline = time.monotonic() + connect_timeout
        last: Exception | None = None
        while True:
            try:
                self._t: Any = SerialTransport(port, timeout=read_timeout, exclusive=False)
                self._t.enter_raw_repl(soft_reset=False, timeout_overall=3)
                return
            except (TransportError, OSError) as err:
                last = err
                try:
                    self._t.close()
                except Exception:  # noqa: BLE001,S110 - best effort while retrying
                    pass
            if time.monotonic() > deadline:
                raise ConsoleError(
                    f"{port}: no MicroPython raw REPL ({last}); check the cable and that "
                    "the gate is in maintenance mode, then retry"
                )
            time.sleep(0.2)

    def exec(self, code: str, timeout: float = 10.0) -> str:
        try:
            out, err = self._t.exec_raw(code, timeout=timeout)
        except (TransportError, OSError) as e:
            raise ConsoleError(f"{self.port}: console lost ({e})") from e
        if err:
            raise ConsoleError(f"{self.port}: device error: {err.decode(errors='replace').strip()}")
        return str(out.decode(errors="replace"))

    def exec_json(self, code: str, timeout: float = 10.0) -> Any:
        out = self.exec(code, timeout).strip().splitlines()
        if not out:
            raise ConsoleError(f"{self.port}: no answer to {code!r}")
        return json.loads(out[-1])

    def send_no_follow(self, code: str) -> None:
        """Start code that will not answer (a reset)."""
        try:
            self._t.exec_raw_no_follow(code)
        except (TransportError, OSError):
            pass

    def close(self) -> None:
        try:
            self._t.close()
        except Exception:  # noqa: BLE001,S110 - the port may be gone already
            pass

    def __enter__(self) -> RawRepl:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

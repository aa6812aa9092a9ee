"""Start, watch and stop OpenABC services as real child processes.

The demo and the HIL tests run the matcher as its own process, as in
production, so that stopping or killing it is a real failure the lanes must
survive, not a simulated one.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import TracebackType

import yaml

from openabc import topics
from openabc.config import OpenAbcSettings
from openabc.mqtt.bus import MqttBus
from openabc.runtime.child import own_session_dying_with_parent

logger = logging.getLogger(__name__)


def write_settings(settings: OpenAbcSettings, path: Path) -> Path:
    """Serialise settings for a child process (the inverse of ``load_settings``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(settings.model_dump(mode="json"), sort_keys=False))
    return path


def _service_environment() -> dict[str, str]:
    """One BLAS thread per service: several workers on few cores otherwise spin on each other."""
    return {**os.environ, "OPENBLAS_NUM_THREADS": "1"}


class ServiceProcess:
    """One ``openabc <command>`` child process with its log in a file."""

    def __init__(self, command: str, config: Path, log_path: Path) -> None:
        self._argv = [sys.executable, "-m", "openabc.cli", "--config", str(config), command]
        self._log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self) -> None:
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        with self._log_path.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                self._argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=own_session_dying_with_parent,
                env=_service_environment(),
            )

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def pause(self) -> None:
        """SIGSTOP: the process holds its connections but answers nothing."""
        self._signal(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal(signal.SIGCONT)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)
        if self._process is not None:
            self._process.wait(timeout=10)

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM, then SIGKILL if it does not exit in time."""
        if not self.is_running() or self._process is None:
            return
        self._signal(signal.SIGCONT)
        self._process.terminate()
        try:
            self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            logger.warning("%s did not stop in %.0f s; killing", self._argv[-1], timeout)
            self._process.kill()
            self._process.wait(timeout=timeout)

    def log_tail(self, limit: int = 4000) -> str:
        try:
            return self._log_path.read_text(errors="replace")[-limit:]
        except FileNotFoundError:
            return ""

    def _signal(self, signum: int) -> None:
        if self._process is not None and self._process.poll() is None:
            os.kill(self._process.pid, signum)

    def __enter__(self) -> ServiceProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def wait_matcher_online(
    settings: OpenAbcSettings, process: ServiceProcess, timeout: float = 60.0
) -> None:
    """Block until the matcher's retained availability topic says ``online``."""
    online = threading.Event()
    worker = settings.matcher.worker_id

    def on_availability(_topic: str, payload: bytes) -> None:
        if payload == topics.ONLINE:
            online.set()

    with MqttBus(settings.broker, client_id=f"openabc-watch-{os.getpid()}") as bus:
        bus.connect(timeout)
        bus.subscribe(topics.matcher_available(settings.region, worker), on_availability)
        waited = 0.0
        while not online.wait(0.2):
            waited += 0.2
            if not process.is_running():
                raise RuntimeError(f"matcher exited during start-up:\n{process.log_tail()}")
            if waited >= timeout:
                raise TimeoutError(f"matcher not online after {timeout} s:\n{process.log_tail()}")

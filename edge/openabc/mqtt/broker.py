"""Local MQTT broker processes for tests, benchmarks and ``make demo``.

Each broker runs as a child process on a loopback port chosen here, so tests
never depend on (or disturb) a system broker on 1883.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

from openabc.mqtt.errors import BrokerError, BrokerNotFoundError
from openabc.runtime.child import own_session_dying_with_parent

LOOPBACK = "127.0.0.1"
_DEFAULT_MOSQUITTO = "/usr/sbin/mosquitto"


class BrokerProcess(Protocol):
    """What the demo and the tests need from a local broker."""

    @property
    def host(self) -> str: ...

    @property
    def port(self) -> int: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def close(self) -> None:
        """Stop and remove the working directory (config, log)."""


def free_port(host: str = LOOPBACK) -> int:
    """A port nobody listens on right now (the OS picks it for a port-0 bind)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def find_mosquitto(binary: str | None = None) -> str:
    """Path of the mosquitto binary, or ``BrokerNotFoundError`` saying how to get it."""
    candidates = [binary] if binary else [shutil.which("mosquitto"), _DEFAULT_MOSQUITTO]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise BrokerNotFoundError(
        f"mosquitto not found ({binary or 'PATH and ' + _DEFAULT_MOSQUITTO}); "
        "install it (apt-get install mosquitto) or use EmbeddedBroker"
    )


class _ChildBroker:
    """A broker child process: start on a fixed port, wait until it accepts, stop."""

    def __init__(self, *, port: int | None, host: str, startup_timeout: float) -> None:
        self._host = host
        self._port = port if port is not None else free_port(host)
        self._startup_timeout = startup_timeout
        self._workdir = Path(tempfile.mkdtemp(prefix=f"openabc-{self._kind()}-"))
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        return self._port

    @property
    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def log_path(self) -> Path:
        return self._workdir / "broker.log"

    def start(self) -> None:
        if self.is_running:
            raise BrokerError(f"{self._kind()} already running on port {self._port}")
        command = self._command()
        with self.log_path.open("ab") as log_file:
            # The command is our own binary path and generated config, no user input.
            self._process = subprocess.Popen(  # noqa: S603
                command,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=own_session_dying_with_parent,
            )
        self._wait_until_accepting()

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM (clean shutdown), SIGKILL if it does not exit in time."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._process = None

    def kill(self) -> None:
        """SIGKILL, no goodbye to clients: for chaos tests."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            process.kill()
            process.wait()
        self._process = None

    def restart(self) -> None:
        """Stop and start again on the same port (clients keep their settings)."""
        self.stop()
        self.start()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _kind(self) -> str:
        raise NotImplementedError

    def _command(self) -> list[str]:
        raise NotImplementedError

    def _wait_until_accepting(self) -> None:
        end = time.monotonic() + self._startup_timeout
        while True:
            process = self._process
            if process is not None and process.poll() is not None:
                self._process = None
                raise BrokerError(
                    f"{self._kind()} exited with {process.returncode} on start: {self._log_tail()}"
                )
            try:
                with socket.create_connection((self._host, self._port), timeout=0.2):
                    return
            except OSError:
                if time.monotonic() > end:
                    self.kill()
                    raise BrokerError(
                        f"{self._kind()} not accepting on {self._host}:{self._port} "
                        f"after {self._startup_timeout} s: {self._log_tail()}"
                    ) from None
                time.sleep(0.02)

    def _log_tail(self, limit: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-limit:].strip()
        except OSError:
            return "(no log)"


class MosquittoBroker(_ChildBroker):
    """Eclipse Mosquitto with a generated config: loopback, anonymous, no persistence."""

    def __init__(
        self,
        binary: str | None = None,
        *,
        port: int | None = None,
        host: str = LOOPBACK,
        startup_timeout: float = 10.0,
    ) -> None:
        self._binary = find_mosquitto(binary)
        super().__init__(port=port, host=host, startup_timeout=startup_timeout)

    def _kind(self) -> str:
        return "mosquitto"

    def _command(self) -> list[str]:
        config = self._workdir / "mosquitto.conf"
        config.write_text(
            "\n".join(
                [
                    f"listener {self._port} {self._host}",
                    "allow_anonymous true",
                    "persistence false",
                    "set_tcp_nodelay true",
                    "log_dest stderr",
                    "log_type error",
                    "log_type warning",
                    "log_type notice",
                    # Started as root, mosquitto would drop to user "mosquitto".
                    *([] if os.getuid() != 0 else ["user root"]),
                    "",
                ]
            ),
            encoding="utf-8",
        )
        return [self._binary, "-c", str(config)]


class EmbeddedBroker(_ChildBroker):
    """The pure-Python amqtt broker (MQTT 3.1.1 only) in a child interpreter."""

    def __init__(
        self,
        *,
        port: int | None = None,
        host: str = LOOPBACK,
        startup_timeout: float = 20.0,
        python: str = sys.executable,
    ) -> None:
        self._python = python
        super().__init__(port=port, host=host, startup_timeout=startup_timeout)

    def _kind(self) -> str:
        return "amqtt"

    def _command(self) -> list[str]:
        return [
            self._python,
            "-m",
            "openabc.mqtt.embedded_broker",
            "--host",
            self._host,
            "--port",
            str(self._port),
        ]


def start_default_broker(preferred_port: int | None = None) -> BrokerProcess:
    """Start Mosquitto when installed, else amqtt; no root needed either way."""
    broker: MosquittoBroker | EmbeddedBroker
    try:
        broker = MosquittoBroker(port=preferred_port)
    except BrokerNotFoundError:
        broker = EmbeddedBroker(port=preferred_port)
    broker.start()
    return broker

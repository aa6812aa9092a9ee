"""A throwaway PostgreSQL server for tests and local runs (Debian's packages).

Production points the matcher at a managed PostgreSQL; tests start their own
server in a temporary directory on a free loopback port, the way the MQTT
tests start their own Mosquitto. PostgreSQL refuses to run as root, so when
we are root the server runs as the ``postgres`` system user.

``kill()`` and ``start()`` again stop and restart the same server (same data,
same port), so tests can pull the database from under a running matcher.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from openabc.mqtt.broker import free_port


class PostgresNotFoundError(FileNotFoundError):
    """No PostgreSQL server binaries: install Debian's ``postgresql`` package."""


def find_pg_bin() -> Path:
    """The newest ``/usr/lib/postgresql/<version>/bin`` holding initdb and pg_ctl."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    if not candidates:
        found = shutil.which("pg_ctl")
        if found is None:
            raise PostgresNotFoundError("pg_ctl not found: apt-get install postgresql")
        return Path(found).parent
    return Path(candidates[0]).parent


class PostgresServer:
    """initdb + pg_ctl start on 127.0.0.1:<free port>; ``dsn`` for psycopg."""

    def __init__(self, *, database: str = "openabc") -> None:
        self._bin = find_pg_bin()
        self._database = database
        self._tmp = Path(tempfile.mkdtemp(prefix="openabc-pg-"))
        self._data = self._tmp / "data"
        self.port = free_port()
        self._as_root = os.geteuid() == 0
        self._user = "postgres" if self._as_root else os.environ.get("USER", "postgres")

    @property
    def dsn(self) -> str:
        return (
            f"host=127.0.0.1 port={self.port} dbname={self._database} "
            f"user={self._user} connect_timeout=5"
        )

    def _run(self, *argv: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self._as_root else []
        subprocess.run(  # noqa: S603 - fixed binaries from the PostgreSQL package
            [*prefix, *argv], check=True, capture_output=True, timeout=120
        )

    def _pg_ctl(self, *args: str) -> None:
        self._run(str(self._bin / "pg_ctl"), "-D", str(self._data), *args)

    def start(self) -> None:
        """Create the cluster and database on first start; later starts reuse them."""
        fresh = not (self._data / "PG_VERSION").exists()
        if fresh:
            if self._as_root:
                shutil.chown(self._tmp, "postgres")
            self._run(str(self._bin / "initdb"), "-D", str(self._data), "-A", "trust",
                      "-U", self._user, "--no-sync")
        self._pg_ctl(
            "-l", str(self._tmp / "log"),
            "-o", f"-p {self.port} -k {self._tmp} -c listen_addresses=127.0.0.1 -c fsync=off",
            "-w", "start",
        )
        if fresh:
            self._run(str(self._bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port),
                      "-U", self._user, self._database)

    def kill(self) -> None:
        """Stop as a crash would (``immediate``: no checkpoint, sessions cut); data kept."""
        self._pg_ctl("-m", "immediate", "-w", "stop")

    def stop(self) -> None:
        """Shut down if running and delete the cluster."""
        if (self._data / "postmaster.pid").exists():
            try:
                self._pg_ctl("-m", "fast", "-w", "stop")
            except subprocess.CalledProcessError:
                time.sleep(0.5)
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

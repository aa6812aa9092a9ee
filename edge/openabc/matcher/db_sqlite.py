"""The embedded engine: one stdlib sqlite3 connection in WAL mode.

``isolation_level=None`` stops sqlite3 from opening implicit transactions,
so every write path states its own ``BEGIN IMMEDIATE``/``COMMIT``, which
takes the file's single write lock up front (no deadlocking upgrades).

Threads share the one connection: a lock held for a whole transaction keeps
another thread's statements out of it (they would join it uncommitted), and
a statement outside a transaction hands back its rows already fetched.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from openabc.matcher.db import Cursor, Dialect, Params, Rows


class SqliteDatabase:
    """A SQLite file (or ``:memory:``) behind the ``Database`` facade."""

    dialect = Dialect.SQLITE

    def __init__(self, path: Path | str, *, durable: bool = True) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        if not durable:
            self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._conn.execute("PRAGMA busy_timeout=5000")
        self._lock = threading.RLock()
        self._in_transaction = False  # only ever true while its thread holds _lock

    def execute(self, sql: str, params: Params = ()) -> Cursor:
        with self._lock:
            cursor = self._conn.execute(sql, tuple(params))
            if self._in_transaction:
                return cursor
            return Rows(cursor.rowcount, cursor.fetchall())

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        with self._lock:
            self._conn.executemany(sql, [tuple(r) for r in rows])

    def create_schema(self, ddl: str) -> None:
        with self._lock:
            self._conn.executescript(ddl)

    @contextmanager
    def transaction(self) -> Iterator[SqliteDatabase]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            self._in_transaction = True
            try:
                yield self
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            finally:
                self._in_transaction = False
            try:
                self._conn.execute("COMMIT")
            except BaseException:
                with suppress(sqlite3.Error):  # never leave the connection inside it
                    self._conn.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            self._conn.close()

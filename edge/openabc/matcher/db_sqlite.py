"""The embedded engine: one stdlib sqlite3 connection in WAL mode.

``isolation_level=None`` stops sqlite3 from opening implicit transactions,
so every write path states its own ``BEGIN IMMEDIATE``/``COMMIT``, which
takes the file's single write lock up front (no deadlocking upgrades).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from openabc.matcher.db import Cursor, Dialect, Params


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

    def execute(self, sql: str, params: Params = ()) -> Cursor:
        return self._conn.execute(sql, tuple(params))

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        self._conn.executemany(sql, [tuple(r) for r in rows])

    def create_schema(self, ddl: str) -> None:
        self._conn.executescript(ddl)

    @contextmanager
    def transaction(self) -> Iterator[SqliteDatabase]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield self
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def close(self) -> None:
        self._conn.close()

"""The production engine: one psycopg 3 connection to PostgreSQL.

The connection runs in autocommit mode, so a read outside ``transaction()``
sees the latest commits like a SQLite read does. ``transaction()`` opens a
READ COMMITTED transaction and first takes ``pg_advisory_xact_lock`` on the
connection's lock name: writers of one name run one at a time, across
processes, as under SQLite's ``BEGIN IMMEDIATE`` (the audit chain's
read-last-hash-then-append, the reply claim's read-then-insert and the
crossing's close-then-record rely on it). The lock ends with the transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import psycopg

from openabc.matcher.db import Cursor, Dialect, Params, postgres_ddl, statements, to_pyformat


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for an advisory lock name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class PostgresDatabase:
    """A PostgreSQL database (URL or libpq DSN) behind the ``Database`` facade."""

    dialect = Dialect.POSTGRES

    def __init__(self, dsn: str, *, lock: str) -> None:
        self._conn = psycopg.connect(dsn, autocommit=True)
        self._lock_key = advisory_key(lock)

    def execute(self, sql: str, params: Params = ()) -> Cursor:
        return self._conn.execute(to_pyformat(sql), tuple(params))

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        with self._conn.cursor() as cursor:
            cursor.executemany(to_pyformat(sql), [tuple(r) for r in rows])

    def create_schema(self, ddl: str) -> None:
        """Inside a locked transaction: concurrent ``IF NOT EXISTS`` creations can collide."""
        with self.transaction():
            for statement in statements(postgres_ddl(ddl)):
                self._conn.execute(statement)

    @contextmanager
    def transaction(self) -> Iterator[PostgresDatabase]:
        with self._conn.transaction():
            self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (self._lock_key,))
            yield self

    def close(self) -> None:
        self._conn.close()

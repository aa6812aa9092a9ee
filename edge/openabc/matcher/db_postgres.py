"""The production engine: a psycopg 3 connection pool to PostgreSQL.

Pool (``psycopg_pool``): each statement or transaction borrows a connection
and gives it back, so the MQTT dispatch thread and the guard API's thread of
one worker no longer queue behind one socket. Connections run in autocommit
mode, so a read outside ``transaction()`` sees the latest commits like a
SQLite read does.

Writers: ``transaction()`` opens a READ COMMITTED transaction and first takes
``pg_advisory_xact_lock`` on the database's lock name: writers of one name run
one at a time, across processes, as under SQLite's ``BEGIN IMMEDIATE`` (the
audit chain's read-last-hash-then-append, the reply claim's
read-then-insert and the crossing's close-then-record rely on it). The lock
ends with the transaction.

Restarts and dropped connections: a server restart leaves every pooled
connection dead. A connection is therefore vetted when lent: a socket that
became readable while idle (the server's goodbye or its FIN) is probed and,
if dead, dropped, and the pool opens a replacement in the background,
retrying with a backoff bounded by ``RECONNECT_WINDOW_S``. While the server
is away a request waits at most ``acquire_timeout_s`` and then fails with
``DatabaseUnavailable``; the service turns that into REFER or an error reply,
never into an ACCEPT or an acknowledged crossing. Only what is safe is
retried: taking a new connection when ``BEGIN`` itself finds the old one dead
(nothing of the caller has run) and a plain ``SELECT``. A ``COMMIT`` that
breaks is reported, not retried: its outcome is unknown and the kiosk's
resend, being idempotent, settles it.
"""

from __future__ import annotations

import hashlib
import logging
import select
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg_pool import ConnectionPool, PoolTimeout

from openabc.matcher.db import (
    Cursor,
    DatabaseUnavailable,
    Dialect,
    Params,
    Rows,
    describe_target,
    postgres_ddl,
    statements,
    to_pyformat,
)

logger = logging.getLogger(__name__)

Connection = psycopg.Connection[tuple[object, ...]]

RECONNECT_WINDOW_S = 2.0
"""How long the pool retries one lost connection (attempts 1 s apart) before it
gives up and lets the next waiting request start a fresh attempt: after a
restart the store is usable again within about a second, however long the
outage (the library's backoff would otherwise grow to minutes)."""

LIBPQ_DEFAULTS = {
    "connect_timeout": "3",
    "keepalives": "1",
    "keepalives_idle": "10",
    "keepalives_interval": "3",
    "keepalives_count": "3",
    "tcp_user_timeout": "10000",
}
"""Bounds on a vanished server (no FIN, e.g. a network cut) unless the DSN sets them:
a connect or an unanswered statement fails within seconds instead of hanging."""


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for an advisory lock name."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def with_libpq_defaults(dsn: str) -> str:
    """``dsn`` plus the ``LIBPQ_DEFAULTS`` it does not set itself."""
    given = conninfo_to_dict(dsn)
    return make_conninfo(dsn, **{k: v for k, v in LIBPQ_DEFAULTS.items() if k not in given})


def _lost(conn: Connection) -> bool:
    return conn.closed or conn.broken


def _stale(conn: Connection) -> bool:
    """True for a pooled connection the server has dropped since it was last used.

    An idle connection has nothing to read; a readable socket means the server
    said goodbye (or sent something unasked), so only then does a round trip
    settle it. Costs a ``select`` per lend instead of a query.
    """
    if _lost(conn):
        return True
    try:
        readable, _, _ = select.select([conn.fileno()], [], [], 0)
    except (OSError, ValueError):
        return True
    if not readable:
        return False
    try:
        ConnectionPool.check_connection(conn)
    except psycopg.Error:
        return True
    return False


class PostgresDatabase:
    """A PostgreSQL database (URL or libpq DSN) behind the ``Database`` facade."""

    dialect = Dialect.POSTGRES

    def __init__(
        self, dsn: str, *, lock: str, pool_size: int = 4, acquire_timeout_s: float = 2.0
    ) -> None:
        if pool_size < 1:
            raise ValueError(f"pool_size must be at least 1, got {pool_size}")
        self._where = describe_target(dsn)
        self._timeout = acquire_timeout_s
        self._begin_sql = sql.SQL("BEGIN; SELECT pg_advisory_xact_lock({})").format(
            sql.Literal(advisory_key(lock))
        )  # one round trip: no parameters, so psycopg sends both in one simple query
        self._local = threading.local()
        conninfo = with_libpq_defaults(dsn)
        try:  # a wrong DSN or password fails here with libpq's own words
            psycopg.connect(conninfo, autocommit=True).close()
        except psycopg.OperationalError as err:
            raise DatabaseUnavailable(f"cannot connect to {self._where}: {err}") from err
        self._pool: ConnectionPool[Connection] = ConnectionPool(
            conninfo,
            kwargs={"autocommit": True},
            min_size=pool_size,
            max_size=pool_size,
            timeout=acquire_timeout_s,
            reconnect_timeout=RECONNECT_WINDOW_S,
            name=f"openabc-{lock}",
            open=True,
        )

    # --- connections -------------------------------------------------------
    def _acquire(self) -> Connection:
        """A live connection from the pool, or ``DatabaseUnavailable`` within the timeout."""
        deadline = time.monotonic() + self._timeout
        while True:
            try:
                conn = self._pool.getconn(timeout=deadline - time.monotonic())
            except PoolTimeout as err:
                raise DatabaseUnavailable(
                    f"no connection to {self._where} within {self._timeout:g} s"
                ) from err
            if not _stale(conn):
                return conn
            logger.info("dropping a dead connection to %s", self._where)
            conn.close()
            self._pool.putconn(conn)  # closed: the pool opens a replacement

    def _unavailable(self, err: psycopg.Error) -> DatabaseUnavailable:
        return DatabaseUnavailable(f"connection to {self._where} lost: {err}".strip())

    def _held(self) -> Connection | None:
        conn: Connection | None = getattr(self._local, "conn", None)
        return conn

    # --- the Database protocol --------------------------------------------
    def execute(self, sql: str, params: Params = ()) -> Cursor:
        query, args = to_pyformat(sql), tuple(params)
        held = self._held()
        if held is not None:
            try:
                return held.execute(query, args)
            except psycopg.OperationalError as err:
                if _lost(held):
                    raise self._unavailable(err) from err
                raise
        retry = query.lstrip()[:6].upper() == "SELECT"
        while True:
            conn = self._acquire()
            try:
                cursor = conn.execute(query, args)
                return Rows(cursor.rowcount, cursor.fetchall() if cursor.description else [])
            except psycopg.OperationalError as err:
                if not _lost(conn):
                    raise
                if not retry:
                    raise self._unavailable(err) from err
                retry = False  # a read is safe to run once more on a fresh connection
            finally:
                self._pool.putconn(conn)

    def executemany(self, sql: str, rows: Sequence[Params]) -> None:
        batch = [tuple(r) for r in rows]
        held = self._held()
        if held is None:
            with self.transaction():
                self.executemany(sql, rows)
            return
        try:
            with held.cursor() as cursor:
                cursor.executemany(to_pyformat(sql), batch)
        except psycopg.OperationalError as err:
            if _lost(held):
                raise self._unavailable(err) from err
            raise

    def create_schema(self, ddl: str) -> None:
        """Inside a locked transaction: concurrent ``IF NOT EXISTS`` creations can collide."""
        with self.transaction():
            for statement in statements(postgres_ddl(ddl)):
                self.execute(statement)

    def _begin(self) -> Connection:
        """A connection inside ``BEGIN`` holding the advisory lock.

        A connection found dead by ``BEGIN`` is swapped once for another: the
        server rolled back whatever it had, and none of the caller's work ran.
        """
        for attempt in range(2):
            conn = self._acquire()
            try:
                conn.execute(self._begin_sql)
            except psycopg.OperationalError as err:
                lost = _lost(conn)
                self._pool.putconn(conn)  # rolled back by the pool, or replaced if dead
                if not lost:
                    raise
                if attempt:
                    raise self._unavailable(err) from err
                continue
            return conn
        raise AssertionError("unreachable")

    @contextmanager
    def transaction(self) -> Iterator[PostgresDatabase]:
        if self._held() is not None:
            raise RuntimeError("a transaction is already open on this thread")
        conn = self._begin()
        self._local.conn = conn
        try:
            try:
                yield self
            except BaseException:
                with suppress(psycopg.Error):  # a dead connection rolled back already
                    conn.execute("ROLLBACK")
                raise
            try:
                conn.execute("COMMIT")
            except psycopg.OperationalError as err:
                if _lost(conn):  # committed or not: only an idempotent resend can tell
                    raise self._unavailable(err) from err
                raise
        finally:
            self._local.conn = None
            self._pool.putconn(conn)

    def close(self) -> None:
        self._pool.close()

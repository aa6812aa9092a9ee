"""One answer per correlation id, shared by every matcher worker of a store.

Kiosks resend a request (same bytes, same correlation id, same deadline)
when no reply came in a sub-timeout, because Mosquitto drops a shared
subscription's message when the worker holding it dies. A resend must not
produce a second decision: the first worker to claim a correlation id
decides, the reply it stores first is the only one ever published, and a
resend finds that reply (or a live claim, or a stale claim to take over).

The table lives in the matcher's database but on a connection of its own.
On SQLite that connection runs ``synchronous=NORMAL``: a commit there costs
~0.04 ms instead of a ~0.5 ms fsync, and every decision is followed by the
service's fully synced commits, which make the WAL durable up to them. A
claim lost to a power cut only means a resend after restart is decided
afresh; no crossing depends on it. On PostgreSQL the claim's
read-then-insert runs under the ``rpc_replies`` advisory lock (``db``),
which serialises claims across workers as SQLite's write lock does.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum

from openabc.matcher.db import Database, DatabaseTarget, open_database

logger = logging.getLogger(__name__)

DDL = """
CREATE TABLE IF NOT EXISTS rpc_replies (
    correlation_id TEXT PRIMARY KEY,
    request_sha256 TEXT NOT NULL,
    reply_to TEXT NOT NULL,
    deadline REAL NOT NULL,
    owner TEXT NOT NULL,
    claimed_at REAL NOT NULL,
    reply BLOB
);
CREATE INDEX IF NOT EXISTS rpc_replies_deadline ON rpc_replies(deadline);
"""

DDL_TABLES = ("rpc_replies",)
"""Tables of ``DDL``, for a reseed to drop."""

DEFAULT_LEASE_S = 1.0
"""How long a claim without a reply is trusted to be worked on by a live worker."""
KEEP_AFTER_DEADLINE_S = 60.0
"""Rows outlive their deadline this long (no resend is answered after it anyway)."""
PURGE_EVERY_S = 30.0


class Outcome(Enum):
    CLAIMED = "claimed"
    """Ours to decide: nobody did, or the previous claimant is presumed dead."""
    ANSWERED = "answered"
    """Already decided: publish the stored reply again."""
    BUSY = "busy"
    """Another worker claimed it within the lease: it will answer."""
    CONFLICT = "conflict"
    """Same correlation id, different request or reply topic: refuse."""


@dataclass(frozen=True)
class Claim:
    outcome: Outcome
    reply: bytes = b""
    deadline: float = 0.0
    """Earliest of the stored and the presented deadline (a resend cannot extend it)."""


def request_digest(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


class ReplyTable:
    """The ``rpc_replies`` table of one store database, as seen by one worker."""

    def __init__(
        self,
        database: DatabaseTarget,
        owner: str,
        *,
        lease_s: float = DEFAULT_LEASE_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._conn = open_database(database, lock="rpc_replies", durable=False)
        self._lock = threading.Lock()
        self._owner = owner
        self._lease_s = lease_s
        self._clock = clock
        self._next_purge = 0.0
        with self._lock:
            self._conn.create_schema(DDL)

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[Database]:
        with self._lock, self._conn.transaction() as conn:
            yield conn

    def claim(self, correlation_id: str, digest: str, reply_to: str, deadline: float) -> Claim:
        """Decide who answers ``correlation_id``; atomic across processes."""
        now = self._clock()
        self._maybe_purge(now)
        with self._transaction() as conn:
            row = conn.execute(
                "SELECT request_sha256, reply_to, deadline, owner, claimed_at, reply"
                " FROM rpc_replies WHERE correlation_id=?",
                (correlation_id,),
            ).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO rpc_replies VALUES (?, ?, ?, ?, ?, ?, NULL)",
                    (correlation_id, digest, reply_to, deadline, self._owner, now),
                )
                return Claim(Outcome.CLAIMED, deadline=deadline)
            stored_digest, stored_reply_to, stored_deadline, owner, claimed_at, reply = row
            earliest = min(float(stored_deadline), deadline)
            if stored_digest != digest or stored_reply_to != reply_to:
                return Claim(Outcome.CONFLICT)
            if reply is not None:
                return Claim(Outcome.ANSWERED, bytes(reply), earliest)
            if float(claimed_at) + self._lease_s > now:
                return Claim(Outcome.BUSY)
            conn.execute(
                "UPDATE rpc_replies SET owner=?, claimed_at=? WHERE correlation_id=?",
                (self._owner, now, correlation_id),
            )
        logger.warning("taking over request %s from silent worker %s", correlation_id, owner)
        return Claim(Outcome.CLAIMED, deadline=earliest)

    def complete(self, correlation_id: str, reply: bytes) -> bytes:
        """Store ``reply`` unless one is stored already; return the stored one."""
        with self._transaction() as conn:
            conn.execute(
                "UPDATE rpc_replies SET reply=? WHERE correlation_id=? AND reply IS NULL",
                (reply, correlation_id),
            )
            row = conn.execute(
                "SELECT reply FROM rpc_replies WHERE correlation_id=?", (correlation_id,)
            ).fetchone()
        if row is None or row[0] is None:
            return reply  # purged meanwhile: long past its deadline, never published
        stored = bytes(row[0])
        if stored != reply:
            logger.warning("request %s was answered by another worker first", correlation_id)
        return stored

    def release(self, correlation_id: str) -> None:
        """Forget an unanswered claim of ours so a resend is decided afresh."""
        with self._transaction() as conn:
            conn.execute(
                "DELETE FROM rpc_replies WHERE correlation_id=? AND owner=? AND reply IS NULL",
                (correlation_id, self._owner),
            )

    def _maybe_purge(self, now: float) -> None:
        if now < self._next_purge:
            return
        self._next_purge = now + PURGE_EVERY_S
        with self._transaction() as conn:
            conn.execute(
                "DELETE FROM rpc_replies WHERE deadline < ?", (now - KEEP_AFTER_DEADLINE_S,)
            )

"""Append-only, hash-chained audit trail of every register consultation.

Each row stores sha256(previous row hash + canonical row content), so editing
or deleting a row breaks the chain from that point on. Rows name the system,
the request, the kiosk and the purpose; never a name, a document number or a
template.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import astuple, dataclass

from openabc.matcher.store import MatcherStore

logger = logging.getLogger(__name__)

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    """One consultation; field order is the column order and the hashed content."""

    at: float
    request_id: str
    kiosk_id: str
    system: str
    purpose: str
    outcome: str


def row_hash(prev_hash: str, seq: int, entry: AuditEntry) -> str:
    content = json.dumps([seq, *astuple(entry)], separators=(",", ":"))
    return hashlib.sha256((prev_hash + content).encode()).hexdigest()


class AuditLog:
    """Writes and verifies the ``audit`` table of a matcher store."""

    def __init__(self, store: MatcherStore) -> None:
        self._store = store

    def append(self, entries: list[AuditEntry]) -> None:
        """Append rows in one transaction, chaining each to the last stored hash."""
        if not entries:
            return
        with self._store.transaction() as conn:
            last = conn.execute("SELECT seq, row_hash FROM audit ORDER BY seq DESC LIMIT 1")
            row = last.fetchone()
            seq, prev = (0, GENESIS) if row is None else (int(row[0]), str(row[1]))
            for entry in entries:
                seq += 1
                digest = row_hash(prev, seq, entry)
                conn.execute(
                    "INSERT INTO audit VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (seq, *astuple(entry), prev, digest),
                )
                prev = digest

    def verify(self) -> bool:
        """True when every row's hash and back-link are intact and seq has no gaps."""
        with self._store.transaction() as conn:
            rows = conn.execute("SELECT * FROM audit ORDER BY seq").fetchall()
        prev = GENESIS
        for expected_seq, row in enumerate(rows, start=1):
            seq, at, request_id, kiosk_id, system, purpose, outcome, prev_hash, digest = row
            entry = AuditEntry(at, request_id, kiosk_id, system, purpose, outcome)
            if seq != expected_seq or prev_hash != prev or row_hash(prev, seq, entry) != digest:
                logger.warning("audit chain broken at seq %s", seq)
                return False
            prev = digest
        return True

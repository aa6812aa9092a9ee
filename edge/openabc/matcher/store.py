"""Typed access to the emulated central registers (CIR, EES, ETIAS, SIS, SLTD, gallery).

Reads answer only what a check needs (hit/no-hit, a status, a list of stays);
writes happen inside explicit, serialised transactions (``db``) so a crash
never leaves half a traveller behind. SQLite by default, PostgreSQL when the
target is a PostgreSQL URL or DSN: same schema, same statements.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

import numpy as np
import numpy.typing as npt

from openabc.config import MatcherSettings
from openabc.matcher.db import (
    DEFAULT_ACQUIRE_TIMEOUT_S,
    DEFAULT_POOL_SIZE,
    Database,
    DatabaseTarget,
)
from openabc.matcher.records import EtiasRecord, Identity, blob_to_vector, vector_to_blob
from openabc.matcher.schema import TABLE_ORDER, connect
from openabc.matcher.stay import Stay, pair_movements


def record_gallery_change(conn: Database, person_id: str, op: str) -> None:
    """Append to the gallery change feed, inside the caller's write transaction.

    Why: each worker holds its own in-memory gallery; the feed (a sequence
    number per enrolment or purge of a person's templates) is how the others
    learn of it (``gallery.GallerySync``). Written in the same transaction as
    the template, under the store's serialised write lock, so sequence numbers
    commit in order on both engines and a reader never skips one.
    """
    conn.execute("INSERT INTO gallery_changes (person_id, op) VALUES (?, ?)", (person_id, op))


class MatcherStore:
    """One database connection plus the queries of every emulated register."""

    def __init__(
        self,
        target: DatabaseTarget,
        *,
        pool_size: int = DEFAULT_POOL_SIZE,
        acquire_timeout_s: float = DEFAULT_ACQUIRE_TIMEOUT_S,
    ) -> None:
        """``pool_size``/``acquire_timeout_s`` apply to PostgreSQL (see ``MatcherSettings``)."""
        self.conn: Database = connect(
            target, pool_size=pool_size, acquire_timeout_s=acquire_timeout_s
        )
        self._lock = threading.RLock()

    @classmethod
    def from_settings(cls, settings: MatcherSettings) -> MatcherStore:
        """The configured store with its PostgreSQL pool settings (unused by SQLite)."""
        return cls(
            settings.store,
            pool_size=settings.database_pool_size,
            acquire_timeout_s=settings.database_acquire_timeout_s,
        )

    def close(self) -> None:
        self.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        """Explicit write transaction; rolled back on any exception."""
        with self._lock, self.conn.transaction() as conn:
            yield conn

    # --- writes (seeding and enrolment); call inside transaction() ---------
    def add_person(self, person_id: str, identity: Identity) -> None:
        self.conn.execute(
            "INSERT INTO persons VALUES (?, ?, ?, ?, ?, ?)",
            (
                person_id,
                identity.surname,
                identity.given_names,
                identity.birth_date.isoformat(),
                identity.nationality,
                identity.sex,
            ),
        )

    def add_document(
        self,
        person_id: str,
        document_type: str,
        issuing_state: str,
        document_number: str,
        expiry_date: dt.date,
    ) -> None:
        self.conn.execute(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?)",
            (issuing_state, document_number, person_id, document_type, expiry_date.isoformat()),
        )

    def add_movement(
        self, person_id: str, direction: str, on_date: dt.date, transaction_id: str | None = None
    ) -> bool:
        """Record an EES entry/exit; False when ``transaction_id`` was already recorded."""
        cursor = self.conn.execute(
            "INSERT INTO ees_movements (person_id, direction, on_date, transaction_id)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (transaction_id) DO NOTHING",
            (person_id, direction, on_date.isoformat(), transaction_id),
        )
        return cursor.rowcount == 1

    def set_etias(
        self, issuing_state: str, document_number: str, status: str, valid_until: dt.date
    ) -> None:
        self.conn.execute(
            "INSERT INTO etias VALUES (?, ?, ?, ?)"
            " ON CONFLICT (issuing_state, document_number)"
            " DO UPDATE SET status=excluded.status, valid_until=excluded.valid_until",
            (issuing_state, document_number, status, valid_until.isoformat()),
        )

    def add_sis_alert(
        self, alert_id: str, surname: str, given_names: str, birth_date: dt.date
    ) -> None:
        self.conn.execute(
            "INSERT INTO sis_person_alerts VALUES (?, ?, ?, ?)",
            (alert_id, surname.upper(), given_names.upper(), birth_date.isoformat()),
        )

    def add_sltd(self, issuing_state: str, document_number: str) -> None:
        self.conn.execute(
            "INSERT INTO sltd_documents VALUES (?, ?)", (issuing_state, document_number)
        )

    def add_template(
        self, person_id: str, model_id: str, model_version: str, vector: npt.ArrayLike
    ) -> None:
        self.conn.execute(
            "INSERT INTO templates VALUES (?, ?, ?, ?)"
            " ON CONFLICT (person_id, model_id, model_version)"
            " DO UPDATE SET vector=excluded.vector",
            (person_id, model_id, model_version, vector_to_blob(vector)),
        )
        record_gallery_change(self.conn, person_id, "enrol")

    # --- reads --------------------------------------------------------------
    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        """All rows of a read query (for the register modules beside the store)."""
        with self._lock:
            rows: list[tuple[object, ...]] = self.conn.execute(sql, params).fetchall()
        return rows

    def _one(self, sql: str, params: tuple[object, ...]) -> tuple[object, ...] | None:
        with self._lock:
            row: tuple[object, ...] | None = self.conn.execute(sql, params).fetchone()
        return row

    def person_for_document(self, issuing_state: str, document_number: str) -> str | None:
        row = self._one(
            "SELECT person_id FROM documents WHERE issuing_state=? AND document_number=?",
            (issuing_state, document_number),
        )
        return None if row is None else str(row[0])

    def identity(self, person_id: str) -> Identity | None:
        row = self._one(
            "SELECT surname, given_names, birth_date, nationality, sex FROM persons"
            " WHERE person_id=?",
            (person_id,),
        )
        if row is None:
            return None
        return Identity(
            str(row[0]), str(row[1]), dt.date.fromisoformat(str(row[2])), str(row[3]), str(row[4])
        )

    def stays(self, person_id: str) -> list[Stay]:
        """The person's stays, from movements in recording order within a day."""
        with self._lock:
            rows = self.conn.execute(
                "SELECT direction, on_date FROM ees_movements WHERE person_id=?"
                " ORDER BY on_date, id",
                (person_id,),
            ).fetchall()
        return pair_movements((str(d), dt.date.fromisoformat(day)) for d, day in rows)

    def etias(self, issuing_state: str, document_number: str) -> EtiasRecord | None:
        row = self._one(
            "SELECT status, valid_until FROM etias WHERE issuing_state=? AND document_number=?",
            (issuing_state, document_number),
        )
        if row is None:
            return None
        return EtiasRecord(str(row[0]), dt.date.fromisoformat(str(row[1])))

    def sis_alert_exists(self, surname: str, given_names: str, birth_date: dt.date) -> bool:
        return (
            self._one(
                "SELECT 1 FROM sis_person_alerts"
                " WHERE surname=? AND given_names=? AND birth_date=?",
                (surname.upper(), given_names.upper(), birth_date.isoformat()),
            )
            is not None
        )

    def sltd_listed(self, issuing_state: str, document_number: str) -> bool:
        return (
            self._one(
                "SELECT 1 FROM sltd_documents WHERE issuing_state=? AND document_number=?",
                (issuing_state, document_number),
            )
            is not None
        )

    def templates(
        self, model_id: str, model_version: str
    ) -> tuple[list[str], npt.NDArray[np.float32]]:
        """All enrolled templates of one model, as ids plus an (n, d) float32 matrix."""
        with self._lock:
            rows = self.conn.execute(
                "SELECT person_id, vector FROM templates WHERE model_id=? AND model_version=?"
                " ORDER BY person_id",
                (model_id, model_version),
            ).fetchall()
        ids = [str(r[0]) for r in rows]
        if not rows:
            return ids, np.zeros((0, 0), dtype=np.float32)
        return ids, np.stack([blob_to_vector(r[1]) for r in rows])

    def template(
        self, person_id: str, model_id: str, model_version: str
    ) -> npt.NDArray[np.float32] | None:
        """One person's enrolled template of one model (None: none enrolled)."""
        row = self._one(
            "SELECT vector FROM templates WHERE person_id=? AND model_id=? AND model_version=?",
            (person_id, model_id, model_version),
        )
        return None if row is None else blob_to_vector(cast(bytes, row[0]))

    def gallery_high_water(self) -> int:
        """Sequence number of the latest gallery change (0: none); one index lookup."""
        row = self._one("SELECT MAX(seq) FROM gallery_changes", ())
        return 0 if row is None or row[0] is None else int(str(row[0]))

    def gallery_changes_since(self, seq: int) -> list[tuple[int, str, str]]:
        """(seq, person, 'enrol' | 'purge') of every change after ``seq``, in order."""
        rows = self.query(
            "SELECT seq, person_id, op FROM gallery_changes WHERE seq > ? ORDER BY seq", (seq,)
        )
        return [(int(str(r[0])), str(r[1]), str(r[2])) for r in rows]

    def content_hash(self, *, exclude: tuple[str, ...] = ()) -> str:
        """sha256 over every row of every table in key order (determinism checks)."""
        digest = hashlib.sha256()
        with self._lock:
            for table, order in TABLE_ORDER:
                if table in exclude:
                    continue
                digest.update(table.encode())
                for row in self.conn.execute(f"SELECT * FROM {table} ORDER BY {order}"):  # noqa: S608
                    digest.update(repr(row).encode())
        return digest.hexdigest()

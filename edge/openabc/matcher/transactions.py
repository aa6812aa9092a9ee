"""The matcher's own log of issued transactions and their crossings.

A kiosk may resend a CrossingReport until acknowledged, so recording is
idempotent: the transaction row is closed once and the EES movement carries
the transaction id under a UNIQUE constraint.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from openabc.matcher.ees import record_crossing
from openabc.matcher.fingers import (
    EnrolledFinger,
    add_finger_templates,
    keep_for_enrolment,
    take_pending,
)
from openabc.matcher.records import Identity, blob_to_vector, vector_to_blob
from openabc.matcher.store import MatcherStore
from openabc.matcher.vis import use_entry
from openabc.messages import Decision, Direction, TravelDocument


@dataclass(frozen=True)
class TransactionRecord:
    transaction_id: str
    kiosk_id: str
    direction: Direction
    decision: Decision
    person_id: str | None
    document: TravelDocument
    live_vector: npt.NDArray[np.float32] | None
    closed: bool
    visa_id: str | None = None


@dataclass(frozen=True)
class CrossingResult:
    recorded: bool
    duplicate: bool
    enrolled: bool = False
    fingers_enrolled: int = 0


class TransactionLog:
    """Issues and closes transactions inside the matcher store."""

    def __init__(self, store: MatcherStore) -> None:
        self._store = store

    def issue(
        self,
        *,
        transaction_id: str,
        correlation_id: str,
        kiosk_id: str,
        lane_id: str,
        direction: Direction,
        decision: Decision,
        person_id: str | None,
        document: TravelDocument,
        live_vector: npt.ArrayLike | None,
        decided_at: float,
        visa_id: str | None = None,
        pending_fingers: Sequence[EnrolledFinger] = (),
    ) -> None:
        """Store a decision; the live template is kept only for an ACCEPTed newcomer.

        ``pending_fingers`` (probes of an ACCEPTed traveller with no enrolled
        fingers) are held with the transaction and enrolled on crossing.
        """
        blob = None if live_vector is None else vector_to_blob(live_vector)
        with self._store.transaction() as conn:
            conn.execute(
                "INSERT INTO transactions (transaction_id, correlation_id, kiosk_id, lane_id,"
                " direction, decision, person_id, document_json, live_vector, decided_at, visa_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    transaction_id,
                    correlation_id,
                    kiosk_id,
                    lane_id,
                    direction.value,
                    decision.value,
                    person_id,
                    document.model_dump_json(),
                    blob,
                    decided_at,
                    visa_id,
                ),
            )
            keep_for_enrolment(conn, transaction_id, pending_fingers)

    def get(self, transaction_id: str) -> TransactionRecord | None:
        with self._store.transaction() as conn:
            row = conn.execute(
                "SELECT kiosk_id, direction, decision, person_id, document_json, live_vector,"
                " closed_at, visa_id FROM transactions WHERE transaction_id=?",
                (transaction_id,),
            ).fetchone()
        if row is None:
            return None
        return TransactionRecord(
            transaction_id=transaction_id,
            kiosk_id=row[0],
            direction=Direction(row[1]),
            decision=Decision(row[2]),
            person_id=row[3],
            document=TravelDocument.model_validate_json(row[4]),
            live_vector=None if row[5] is None else blob_to_vector(row[5]),
            closed=row[6] is not None,
            visa_id=row[7],
        )

    def close(
        self,
        record: TransactionRecord,
        *,
        crossed: bool,
        crossed_at: float,
        person_id: str | None,
        template_model: tuple[str, str],
    ) -> CrossingResult:
        """Close a transaction once; on a crossing, write the EES movement.

        An entry on a visa uses one of its entries; an exit carries the
        overstay computed at exit.

        A newcomer (no CIR file yet) gets one created from the document and
        the live template, as EES does on a first entry. Probe fingers held
        with the transaction (first fingers of this person) are enrolled with
        the crossing, and dropped when the traveller did not cross.
        """
        day = dt.datetime.fromtimestamp(crossed_at, dt.UTC).date()
        with self._store.transaction() as conn:
            updated = conn.execute(
                "UPDATE transactions SET closed_at=?, crossed=? WHERE transaction_id=?"
                " AND closed_at IS NULL",
                (crossed_at, int(crossed), record.transaction_id),
            ).rowcount
            if updated == 0:
                return CrossingResult(recorded=True, duplicate=True)
            pending = take_pending(conn, record.transaction_id)
            if not crossed:
                return CrossingResult(recorded=True, duplicate=False)
            if person_id is None:
                raise ValueError("a crossing needs a person id")
            enrolled = self._store.identity(person_id) is None
            if enrolled:
                self._enrol(person_id, record, template_model)
            inserted = record_crossing(
                self._store, person_id, record.direction, day, record.transaction_id
            )
            if inserted and record.visa_id is not None and record.direction is Direction.ENTRY:
                use_entry(self._store, record.visa_id)
            fingers = add_finger_templates(conn, person_id, pending) if inserted else 0
        return CrossingResult(
            recorded=True,
            duplicate=not inserted,
            enrolled=enrolled and record.live_vector is not None,
            fingers_enrolled=fingers,
        )

    def _enrol(
        self, person_id: str, record: TransactionRecord, template_model: tuple[str, str]
    ) -> None:
        doc = record.document
        self._store.add_person(
            person_id,
            Identity(doc.surname, doc.given_names, doc.birth_date, doc.nationality, doc.sex),
        )
        self._store.add_document(
            person_id, doc.document_type, doc.issuing_state, doc.document_number, doc.expiry_date
        )
        if record.live_vector is not None:
            self._store.add_template(person_id, *template_model, record.live_vector)

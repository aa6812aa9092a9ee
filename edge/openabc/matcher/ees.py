"""EES records beyond the 90/180 arithmetic: crossings, exits with overstay, refusals.

An individual file is the CIR identity, its documents and face template;
the EES adds entry and exit records (an exit carries the overstay computed
at that moment) and refusal-of-entry records with their reason codes.
Writes run inside the caller's ``store.transaction()``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from openabc.matcher.stay import exit_summary
from openabc.matcher.store import MatcherStore
from openabc.messages import Direction, Reason, TravelDocument


@dataclass(frozen=True)
class Refusal:
    on_date: dt.date
    reasons: tuple[Reason, ...]
    officer_id: str


def overstay_on_exit(store: MatcherStore, person_id: str, day: dt.date) -> int:
    """Days of overstay of the stay an exit on ``day`` closes."""
    return exit_summary(store.stays(person_id), day)[1]


def record_crossing(
    store: MatcherStore,
    person_id: str,
    direction: Direction,
    day: dt.date,
    transaction_id: str | None = None,
) -> bool:
    """Write an entry or exit record; False when the transaction is already recorded."""
    overstay = overstay_on_exit(store, person_id, day) if direction is Direction.EXIT else None
    cursor = store.conn.execute(
        "INSERT INTO ees_movements"
        " (person_id, direction, on_date, transaction_id, overstay_days) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (transaction_id) DO NOTHING",
        (person_id, direction.value, day.isoformat(), transaction_id, overstay),
    )
    return cursor.rowcount == 1


def record_refusal(
    store: MatcherStore,
    *,
    document: TravelDocument,
    on_date: dt.date,
    reasons: Sequence[Reason],
    officer_id: str,
) -> int:
    """A guard's refusal of entry, with its reason codes; returns the record id.

    Linked to the traveller's individual file when the document is known.
    """
    if not reasons:
        raise ValueError("a refusal of entry needs at least one reason")
    person = store.person_for_document(document.issuing_state, document.document_number)
    with store.transaction() as conn:
        row = conn.execute(
            "INSERT INTO ees_refusals"
            " (person_id, issuing_state, document_number, on_date, reasons, officer_id)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            (
                person,
                document.issuing_state,
                document.document_number,
                on_date.isoformat(),
                ",".join(sorted({r.value for r in reasons})),
                officer_id,
            ),
        ).fetchall()[0]
    return int(row[0])


def refusals(store: MatcherStore, issuing_state: str, document_number: str) -> list[Refusal]:
    rows = store.query(
        "SELECT on_date, reasons, officer_id FROM ees_refusals"
        " WHERE issuing_state=? AND document_number=? ORDER BY on_date, id",
        (issuing_state, document_number),
    )
    return [
        Refusal(
            dt.date.fromisoformat(str(r[0])),
            tuple(Reason(code) for code in str(r[1]).split(",")),
            str(r[2]),
        )
        for r in rows
    ]


def movements(store: MatcherStore, person_id: str) -> list[dict[str, object]]:
    """Entry and exit records of a file, oldest first (full record, second step only)."""
    rows = store.query(
        "SELECT direction, on_date, overstay_days FROM ees_movements WHERE person_id=?"
        " ORDER BY on_date, id",
        (person_id,),
    )
    return [{"direction": r[0], "on_date": r[1], "overstay_days": r[2]} for r in rows]

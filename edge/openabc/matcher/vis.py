"""Emulated VIS: short-stay visas of visa-required nationals, keyed by travel document.

The entry check needs a visa valid on the day with an entry left; the
crossing then uses one entry. ``entries_allowed`` None is a multiple-entry
visa.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from openabc.matcher.store import MatcherStore
from openabc.messages import CheckOutcome, Reason, TravelDocument


@dataclass(frozen=True)
class Visa:
    visa_id: str
    valid_from: dt.date
    valid_until: dt.date
    entries_allowed: int | None
    entries_used: int = 0

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day <= self.valid_until

    def entries_left(self) -> bool:
        return self.entries_allowed is None or self.entries_used < self.entries_allowed


class VisaState(StrEnum):
    USABLE = "usable"
    ABSENT = "absent"
    INVALID = "invalid"
    EXHAUSTED = "exhausted"


def add_visa(store: MatcherStore, issuing_state: str, document_number: str, visa: Visa) -> None:
    """Write one visa; call inside ``store.transaction()``."""
    store.conn.execute(
        "INSERT INTO visas VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            visa.visa_id,
            issuing_state,
            document_number,
            visa.valid_from.isoformat(),
            visa.valid_until.isoformat(),
            visa.entries_allowed,
            visa.entries_used,
        ),
    )


def visas(store: MatcherStore, issuing_state: str, document_number: str) -> list[Visa]:
    rows = store.query(
        "SELECT visa_id, valid_from, valid_until, entries_allowed, entries_used FROM visas"
        " WHERE issuing_state=? AND document_number=? ORDER BY valid_from, visa_id",
        (issuing_state, document_number),
    )
    return [
        Visa(
            str(r[0]),
            dt.date.fromisoformat(str(r[1])),
            dt.date.fromisoformat(str(r[2])),
            None if r[3] is None else int(str(r[3])),
            int(str(r[4])),
        )
        for r in rows
    ]


def visa_state(found: list[Visa], day: dt.date) -> tuple[VisaState, Visa | None]:
    """The best visa for an entry on ``day``: usable beats exhausted beats invalid."""
    current = [v for v in found if v.valid_on(day)]
    usable = [v for v in current if v.entries_left()]
    if usable:
        return VisaState.USABLE, usable[0]
    if current:
        return VisaState.EXHAUSTED, None
    return (VisaState.INVALID if found else VisaState.ABSENT), None


def vis_check(
    store: MatcherStore, document: TravelDocument, day: dt.date
) -> tuple[CheckOutcome, Reason | None, str | None]:
    """(outcome, the precise reason on FAIL, the visa id an entry would use)."""
    state, visa = visa_state(visas(store, document.issuing_state, document.document_number), day)
    if state is VisaState.USABLE and visa is not None:
        return CheckOutcome.PASS, None, visa.visa_id
    if state is VisaState.ABSENT:
        return CheckOutcome.NO_HIT, None, None
    reason = Reason.VISA_ENTRIES_EXHAUSTED if state is VisaState.EXHAUSTED else Reason.VISA_INVALID
    return CheckOutcome.FAIL, reason, None


def use_entry(store: MatcherStore, visa_id: str) -> None:
    """One entry used (inside the crossing's transaction)."""
    store.conn.execute(
        "UPDATE visas SET entries_used = entries_used + 1 WHERE visa_id=?", (visa_id,)
    )

"""EES retention: delete individual files, records and templates past their storage period.

Templates are face vectors and finger records alike (and probe fingers still
held for an enrolment on crossing).

A file is kept for 3 years after its last exit record (or refusal of
entry), or for 5 years after its last entry when no exit follows it. Data
are kept up to and including the last day of the period and deleted from the
next day on. Each deleted file is audited (pseudonymous file id only).
Each purged file is appended to the gallery change feed in the same
transaction, so every running worker drops the templates from its in-memory
gallery before its next 1:N search (``gallery.GallerySync``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from openabc.matcher.audit import AuditEntry, AuditLog
from openabc.matcher.store import MatcherStore, record_gallery_change

YEARS_AFTER_EXIT = 3
YEARS_WITHOUT_EXIT = 5
YEARS_AFTER_REFUSAL = 3


@dataclass(frozen=True)
class PurgeSummary:
    files: int
    movements: int
    refusals: int
    templates: int
    """Biometric template rows: face vectors and finger records."""


def add_years(day: dt.date, years: int) -> dt.date:
    """Same calendar day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def kept_until(
    last_direction: str | None, last_day: dt.date | None, refusal: dt.date | None
) -> dt.date:
    """Last day a file is stored, from its last movement and its last refusal."""
    ends: list[dt.date] = []
    if last_direction is not None and last_day is not None:
        years = YEARS_AFTER_EXIT if last_direction == "exit" else YEARS_WITHOUT_EXIT
        ends.append(add_years(last_day, years))
    if refusal is not None:
        ends.append(add_years(refusal, YEARS_AFTER_REFUSAL))
    if not ends:
        raise ValueError("a file without EES records has no retention period")
    return max(ends)


def _files(store: MatcherStore) -> list[tuple[str, str | None, dt.date | None, dt.date | None]]:
    """(person, last direction, last movement day, last refusal day) of every EES file."""
    rows = store.query(
        "SELECT p.person_id,"
        " (SELECT direction FROM ees_movements m WHERE m.person_id=p.person_id"
        "  ORDER BY on_date DESC, id DESC LIMIT 1),"
        " (SELECT MAX(on_date) FROM ees_movements m WHERE m.person_id=p.person_id),"
        " (SELECT MAX(on_date) FROM ees_refusals r WHERE r.person_id=p.person_id)"
        " FROM persons p"
    )
    return [
        (
            str(r[0]),
            None if r[1] is None else str(r[1]),
            None if r[2] is None else dt.date.fromisoformat(str(r[2])),
            None if r[3] is None else dt.date.fromisoformat(str(r[3])),
        )
        for r in rows
        if r[1] is not None or r[3] is not None
    ]


def purge_expired(store: MatcherStore, today: dt.date, *, at: float | None = None) -> PurgeSummary:
    """Delete every EES file (and unlinked refusal) whose storage period ended before ``today``."""
    expired = [f[0] for f in _files(store) if kept_until(f[1], f[2], f[3]) < today]
    job = f"purge-{secrets.token_hex(8)}"
    counts = [0, 0, 0]
    refusal_cutoff = add_years(today, -YEARS_AFTER_REFUSAL)
    with store.transaction() as conn:
        for person in expired:
            for i, table in enumerate(("ees_movements", "ees_refusals", "templates")):
                counts[i] += conn.execute(
                    f"DELETE FROM {table} WHERE person_id=?",  # noqa: S608 - constant names
                    (person,),
                ).rowcount
            counts[2] += conn.execute(
                "DELETE FROM finger_templates WHERE person_id=?", (person,)
            ).rowcount
            conn.execute(
                "DELETE FROM transaction_fingers WHERE transaction_id IN"
                " (SELECT transaction_id FROM transactions WHERE person_id=?)",
                (person,),
            )
            conn.execute(
                "DELETE FROM mid_links WHERE person_id=? OR claimed_key=?",
                (person, f"person:{person}"),
            )
            conn.execute("DELETE FROM transactions WHERE person_id=?", (person,))
            conn.execute("DELETE FROM documents WHERE person_id=?", (person,))
            conn.execute("DELETE FROM persons WHERE person_id=?", (person,))
            record_gallery_change(conn, person, "purge")
        counts[1] += conn.execute(
            "DELETE FROM ees_refusals WHERE person_id IS NULL AND on_date < ?",
            (refusal_cutoff.isoformat(),),
        ).rowcount
    stamp = at if at is not None else dt.datetime.combine(today, dt.time(), dt.UTC).timestamp()
    AuditLog(store).append(
        [AuditEntry(stamp, job, "retention", "ees", "retention_purge", p) for p in expired]
        + [AuditEntry(stamp, job, "retention", "ees", "retention_purge", f"files={len(expired)}")]
    )
    return PurgeSummary(len(expired), *counts)

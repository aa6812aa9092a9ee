"""Multiple-identity detector: links between a CIR file and an identity claimed at a check.

When the 1:N search finds the live face enrolled under another file, the
claimed identity (the presented document's CIR file, or the document itself
when it has none) is linked to the matched file: WHITE when the biographic
data agree, YELLOW (pending manual verification) when they differ. A guard
turns YELLOW into RED (same person, unjustified identities) or GREEN
(different persons); who, when and why are kept on the link and audited.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from enum import StrEnum

from openabc.matcher.audit import AuditEntry, AuditLog
from openabc.matcher.store import MatcherStore
from openabc.messages import TravelDocument

MIN_JUSTIFICATION = 10


class LinkStatus(StrEnum):
    YELLOW = "yellow"
    WHITE = "white"
    RED = "red"
    GREEN = "green"


class LinkError(ValueError):
    """The link cannot be resolved as asked (unknown, not yellow, bad outcome)."""


@dataclass(frozen=True)
class MidLink:
    link_id: str
    person_id: str
    claimed_key: str
    claimed: dict[str, str]
    status: LinkStatus
    created_at: float
    transaction_id: str
    resolved_by: str | None
    resolved_at: float | None
    justification: str | None


def claimed_key(document: TravelDocument, document_person: str | None) -> str:
    """The claimed identity: its CIR file, or the document when it has none."""
    if document_person is not None:
        return f"person:{document_person}"
    return f"document:{document.issuing_state}:{document.document_number}"


def same_identity(a: tuple[str, str, dt.date, str], document: TravelDocument) -> bool:
    return a == (document.surname, document.given_names, document.birth_date, document.nationality)


_COLUMNS = (
    "link_id, person_id, claimed_key, claimed_json, status, created_at, transaction_id,"
    " resolved_by, resolved_at, justification"
)


def _link(row: tuple[object, ...]) -> MidLink:
    return MidLink(
        link_id=str(row[0]),
        person_id=str(row[1]),
        claimed_key=str(row[2]),
        claimed=json.loads(str(row[3])),
        status=LinkStatus(str(row[4])),
        created_at=float(str(row[5])),
        transaction_id=str(row[6]),
        resolved_by=None if row[7] is None else str(row[7]),
        resolved_at=None if row[8] is None else float(str(row[8])),
        justification=None if row[9] is None else str(row[9]),
    )


class MultipleIdentityDetector:
    """MID links of one matcher store."""

    def __init__(self, store: MatcherStore) -> None:
        self._store = store
        self._audit = AuditLog(store)

    def status(self, person_id: str, key: str) -> LinkStatus | None:
        rows = self._store.query(
            "SELECT status FROM mid_links WHERE person_id=? AND claimed_key=?", (person_id, key)
        )
        return LinkStatus(str(rows[0][0])) if rows else None

    def record(
        self,
        *,
        person_id: str,
        key: str,
        document: TravelDocument,
        status: LinkStatus,
        transaction_id: str,
        at: float,
    ) -> None:
        """Create the link once per (file, claimed identity); an existing link is kept."""
        claimed = document.model_dump(mode="json", exclude={"expiry_date", "sex"})
        with self._store.transaction() as conn:
            conn.execute(
                f"INSERT INTO mid_links ({_COLUMNS})"  # noqa: S608 - constant columns
                " VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL) ON CONFLICT DO NOTHING",
                (
                    f"mid-{secrets.token_hex(8)}",
                    person_id,
                    key,
                    json.dumps(claimed, sort_keys=True),
                    status.value,
                    at,
                    transaction_id,
                ),
            )

    def mid_links(self, status: LinkStatus | None = None) -> list[MidLink]:
        """Links, oldest first, optionally of one status."""
        where, params = ("", ()) if status is None else (" WHERE status=?", (status.value,))
        rows = self._store.query(
            f"SELECT {_COLUMNS} FROM mid_links{where} ORDER BY created_at, link_id",  # noqa: S608
            params,
        )
        return [_link(r) for r in rows]

    def resolve_link(
        self, link_id: str, outcome: LinkStatus, officer_id: str, justification: str, *, at: float
    ) -> MidLink:
        """A guard's manual verification of a YELLOW link: RED or GREEN, audited."""
        if outcome not in (LinkStatus.RED, LinkStatus.GREEN):
            raise LinkError("a verification ends in red or green")
        if len(justification.strip()) < MIN_JUSTIFICATION:
            raise LinkError(f"a justification of at least {MIN_JUSTIFICATION} characters is needed")
        with self._store.transaction() as conn:
            updated = conn.execute(
                "UPDATE mid_links SET status=?, resolved_by=?, resolved_at=?, justification=?"
                " WHERE link_id=? AND status='yellow'",
                (outcome.value, officer_id, at, justification.strip(), link_id),
            ).rowcount
        if updated == 0:
            raise LinkError(f"no yellow link {link_id}")
        self._audit.append(
            [AuditEntry(at, link_id, officer_id, "mid", "manual_verification", outcome.value)]
        )
        rows = self._store.query(
            f"SELECT {_COLUMNS} FROM mid_links WHERE link_id=?",  # noqa: S608
            (link_id,),
        )
        return _link(rows[0])

"""European-search-portal style access: one query, each system within the caller's rights.

First step: a query fans out to the systems the caller's profile may see
and gets hit/no-hit only. Second step (border-guard profile only): the full
record of ONE system for one document, on a written justification; every
such access is stored (who, which system, why, when) and chained into the
audit log with the justification's hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import asdict, dataclass
from enum import StrEnum

from openabc.matcher import ees
from openabc.matcher.audit import AuditEntry, AuditLog
from openabc.matcher.mid import MultipleIdentityDetector
from openabc.matcher.records import Identity
from openabc.matcher.store import MatcherStore
from openabc.matcher.vis import Visa, visas
from openabc.messages import CheckOutcome, TravelDocument

MIN_JUSTIFICATION = 20


class Profile(StrEnum):
    KIOSK = "kiosk"
    BORDER_GUARD = "border_guard"


class System(StrEnum):
    EES = "ees"
    ETIAS = "etias"
    VIS = "vis"
    SIS = "sis"
    SLTD = "sltd"
    MID = "mid"


SEARCH_RIGHTS: dict[Profile, frozenset[System]] = {
    Profile.KIOSK: frozenset({System.EES, System.ETIAS, System.VIS, System.SIS, System.SLTD}),
    Profile.BORDER_GUARD: frozenset(System),
}
SECOND_STEP_PROFILES = frozenset({Profile.BORDER_GUARD})


class AccessDenied(PermissionError):
    """The profile may not do this."""


class JustificationRequired(ValueError):
    """A second-step request without a usable written justification."""


@dataclass(frozen=True)
class Caller:
    caller_id: str
    profile: Profile


class SearchPortal:
    """Hit/no-hit fan-out and the justified second step over one matcher store."""

    def __init__(self, store: MatcherStore) -> None:
        self._store = store
        self._audit = AuditLog(store)
        self._mid = MultipleIdentityDetector(store)

    def _hit(self, system: System, doc: TravelDocument) -> bool:
        key = (doc.issuing_state, doc.document_number)
        person = self._store.person_for_document(*key)
        if system is System.EES:
            return person is not None or bool(ees.refusals(self._store, *key))
        if system is System.ETIAS:
            return self._store.etias(*key) is not None
        if system is System.VIS:
            return bool(visas(self._store, *key))
        if system is System.SIS:
            return self._store.sis_alert_exists(doc.surname, doc.given_names, doc.birth_date)
        if system is System.SLTD:
            return self._store.sltd_listed(*key)
        return person is not None and any(
            link.person_id == person or link.claimed_key == f"person:{person}"
            for link in self._mid.mid_links()
        )

    def search(
        self, caller: Caller, document: TravelDocument, *, at: float
    ) -> dict[System, CheckOutcome]:
        """First step: hit/no-hit from every system the profile may query, audited."""
        allowed = sorted(SEARCH_RIGHTS[caller.profile])
        answers = {
            s: CheckOutcome.HIT if self._hit(s, document) else CheckOutcome.NO_HIT for s in allowed
        }
        request = f"search-{secrets.token_hex(8)}"
        self._audit.append(
            [
                AuditEntry(at, request, caller.caller_id, s.value, "portal_search", o.value)
                for s, o in answers.items()
            ]
        )
        return answers

    def consult(
        self,
        caller: Caller,
        system: System,
        document: TravelDocument,
        justification: str,
        *,
        at: float,
    ) -> dict[str, object]:
        """Second step: the full record of one system, justified and individually logged."""
        if caller.profile not in SECOND_STEP_PROFILES:
            raise AccessDenied(f"profile {caller.profile.value} has no second-step access")
        why = justification.strip()
        if len(why) < MIN_JUSTIFICATION:
            raise JustificationRequired(
                f"a written justification of at least {MIN_JUSTIFICATION} characters is required"
            )
        consultation = f"consult-{secrets.token_hex(8)}"
        with self._store.transaction() as conn:
            conn.execute(
                "INSERT INTO consultations VALUES (?, ?, ?, ?, ?, ?)",
                (
                    consultation,
                    at,
                    caller.caller_id,
                    system.value,
                    f"{document.issuing_state}:{document.document_number}",
                    why,
                ),
            )
        digest = hashlib.sha256(why.encode()).hexdigest()[:16]
        self._audit.append(
            [
                AuditEntry(
                    at,
                    consultation,
                    caller.caller_id,
                    system.value,
                    f"second_step justification_sha256={digest}",
                    "full_record",
                )
            ]
        )
        return self._record(system, document)

    def _record(self, system: System, doc: TravelDocument) -> dict[str, object]:
        store = self._store
        issuing_state, number = doc.issuing_state, doc.document_number
        person = store.person_for_document(issuing_state, number)
        record: dict[str, object] = {"system": system.value, "person_id": person}
        if system is System.EES:
            identity = None if person is None else store.identity(person)
            record["identity"] = None if identity is None else _plain(identity)
            record["movements"] = [] if person is None else ees.movements(store, person)
            record["refusals"] = [
                {"on_date": r.on_date.isoformat(), "reasons": [x.value for x in r.reasons]}
                for r in ees.refusals(store, issuing_state, number)
            ]
        elif system is System.ETIAS:
            etias = store.etias(issuing_state, number)
            record["authorisation"] = (
                None
                if etias is None
                else {
                    "status": etias.status,
                    "valid_until": etias.valid_until.isoformat(),
                }
            )
        elif system is System.VIS:
            record["visas"] = [_plain(v) for v in visas(store, issuing_state, number)]
        elif system is System.SLTD:
            record["listed"] = store.sltd_listed(issuing_state, number)
        elif system is System.MID:
            record["links"] = [
                {"link_id": link.link_id, "status": link.status.value, "claimed": link.claimed}
                for link in self._mid.mid_links()
                if person is not None
                and (link.person_id == person or link.claimed_key == f"person:{person}")
            ]
        else:
            record["alerts"] = [
                str(r[0])
                for r in store.query(
                    "SELECT alert_id FROM sis_person_alerts"
                    " WHERE surname=? AND given_names=? AND birth_date=?",
                    (doc.surname.upper(), doc.given_names.upper(), doc.birth_date.isoformat()),
                )
            ]
        return record


def _plain(value: Identity | Visa) -> dict[str, object]:
    """A dataclass as JSON-ready values (dates as ISO strings)."""
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in asdict(value).items()}

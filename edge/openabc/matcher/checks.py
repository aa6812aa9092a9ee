"""One function per consulted system, each answering only hit/no-hit or pass/fail.

No check returns record content: the decision needs to know *that* SIS has
an alert, not what it says. Any exception becomes UNAVAILABLE so that a
broken register can only ever lead to a referral.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from openabc.matcher.gallery import GalleryIndex
from openabc.matcher.mid import LinkStatus, MultipleIdentityDetector, claimed_key, same_identity
from openabc.matcher.stay import MAX_DAYS, exit_summary, stay_summary
from openabc.matcher.store import MatcherStore
from openabc.messages import CheckOutcome, FaceTemplate, Reason, StaySummary, TravelDocument

logger = logging.getLogger(__name__)


class Check(StrEnum):
    """Names of the checks, as reported in ``MatchResponse.checks``.

    The response also carries ``finger_verify`` and the sBMS-fused
    ``biometric_verify``, which are not members: both are optional per
    request and reach ``decide`` through their own arguments.
    """

    TEMPLATE_MODEL = "template_model"
    FACE_VERIFY = "face_verify"
    CIR_IDENTITY = "cir_identity"
    SIS = "sis"
    SLTD = "sltd"
    ETIAS = "etias"
    EES = "ees"
    DOCUMENT = "document"
    VIS = "vis"


def guarded(name: Check, check: Callable[[], CheckOutcome]) -> CheckOutcome:
    """Run a check; any failure of the register is UNAVAILABLE, never a pass."""
    try:
        return check()
    except Exception as exc:  # noqa: BLE001 - every failure must become a referral
        logger.warning("check %s unavailable: %s", name.value, type(exc).__name__)
        return CheckOutcome.UNAVAILABLE


def document_check(document: TravelDocument, on_date: dt.date) -> CheckOutcome:
    """A document is valid up to and including its expiry date."""
    return CheckOutcome.PASS if document.expiry_date >= on_date else CheckOutcome.FAIL


def sis_check(store: MatcherStore, document: TravelDocument) -> CheckOutcome:
    hit = store.sis_alert_exists(document.surname, document.given_names, document.birth_date)
    return CheckOutcome.HIT if hit else CheckOutcome.NO_HIT


def sltd_check(store: MatcherStore, document: TravelDocument) -> CheckOutcome:
    hit = store.sltd_listed(document.issuing_state, document.document_number)
    return CheckOutcome.HIT if hit else CheckOutcome.NO_HIT


def etias_check(store: MatcherStore, document: TravelDocument, on_date: dt.date) -> CheckOutcome:
    """PASS valid, NO_HIT absent, FAIL expired/revoked/refused."""
    record = store.etias(document.issuing_state, document.document_number)
    if record is None:
        return CheckOutcome.NO_HIT
    if record.status == "valid" and record.valid_until >= on_date:
        return CheckOutcome.PASS
    return CheckOutcome.FAIL


def ees_check(
    store: MatcherStore, person_id: str | None, on_date: dt.date
) -> tuple[CheckOutcome, StaySummary]:
    """PASS when at least one day of stay remains; a newcomer has all 90."""
    stays = [] if person_id is None else store.stays(person_id)
    summary = stay_summary(stays, on_date)
    ok = summary.days_remaining > 0 and summary.days_used <= MAX_DAYS
    return (CheckOutcome.PASS if ok else CheckOutcome.FAIL), summary


def ees_exit_check(
    store: MatcherStore, person_id: str | None, on_date: dt.date
) -> tuple[CheckOutcome, StaySummary]:
    """FAIL when leaving on ``on_date`` ends a stay longer than 90/180 allows."""
    stays = [] if person_id is None else store.stays(person_id)
    summary, overstay = exit_summary(stays, on_date)
    return (CheckOutcome.FAIL if overstay else CheckOutcome.PASS), summary


def face_distance(live: FaceTemplate, portrait: FaceTemplate) -> float:
    diff = np.asarray(live.vector, dtype=np.float64) - np.asarray(portrait.vector, np.float64)
    return float(np.linalg.norm(diff))


@dataclass(frozen=True)
class IdentityResult:
    """1:N outcome, the traveller's CIR file if found, and the MID link to record."""

    outcome: CheckOutcome
    person_id: str | None = None
    link: tuple[str, str, LinkStatus] | None = None
    """(matched file, claimed key, status) of a link to create."""
    reason: Reason | None = None


def identity_check(
    gallery: GalleryIndex,
    store: MatcherStore,
    live: FaceTemplate,
    document: TravelDocument,
    document_person: str | None,
    search_distance: float,
) -> IdentityResult:
    """1:N with the multiple-identity detector.

    The nearest hit within ``search_distance`` is the traveller's own file
    (PASS), the same identity on another document (PASS, WHITE link), or
    another identity: FAIL with a YELLOW link, unless a guard already
    verified the pair (GREEN: different persons, PASS; RED: FAIL, mid_red).
    """
    hits = gallery.search(live, 1)
    if not hits or hits[0][1] > search_distance:
        return IdentityResult(CheckOutcome.PASS)
    return identity_from_hit(store, hits[0][0], document, document_person)


def identity_from_hit(
    store: MatcherStore, person_id: str, document: TravelDocument, document_person: str | None
) -> IdentityResult:
    """The MID outcome of the best 1:N hit (face-only or sBMS-fused), see ``identity_check``."""
    if person_id == document_person:
        return IdentityResult(CheckOutcome.PASS, person_id)
    key = claimed_key(document, document_person)
    identity = store.identity(person_id)
    if identity is not None and same_identity(
        (identity.surname, identity.given_names, identity.birth_date, identity.nationality),
        document,
    ):
        return IdentityResult(
            CheckOutcome.PASS, document_person or person_id, (person_id, key, LinkStatus.WHITE)
        )
    existing = MultipleIdentityDetector(store).status(person_id, key)
    if existing is LinkStatus.GREEN:
        return IdentityResult(CheckOutcome.PASS, document_person)
    if existing is LinkStatus.RED:
        return IdentityResult(CheckOutcome.FAIL, None, None, Reason.MID_RED)
    return IdentityResult(CheckOutcome.FAIL, None, (person_id, key, LinkStatus.YELLOW))

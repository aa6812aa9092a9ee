"""Finger gallery of the CIR: enrolled ISO records, 1:1 verification and 1:N search.

Decision rule (``MIN_MATCHED_FINGERS``): a traveller's fingers are verified
when at least 2 of the probe fingers that have an enrolled reference at the
same position score at or above the Bozorth3 threshold (40). Why 2:

* one finger alone is too weak: at threshold 40 the single-finger FMR on the
  emulator's fingers is ~0.16 %, so "any 1 of 4" would accept an impostor
  about 4 x 0.16 % = 0.6 % of the time, above the 0.1 % FMR that ABC best
  practice (Frontex) asks of verification;
* two independent false matches out of four pairs happen with about
  C(4,2) x 0.0016^2 = 1.5e-5 (independence is optimistic, a person's fingers
  share pattern class, hence the margin);
* a genuine traveller fails only if 3 of 4 fingers miss: with the ~8 %
  single-finger FNMR that is ~0.2 % (with three probe fingers ~1.7 %), where
  "3 of 4" would refer ~3 % of genuine travellers.

Fewer than 2 comparable positions can never verify (FAIL: a guard checks).
Since the sBMS (``sbms``) this rule is the per-modality ``finger_verify`` shown
to the guard; the decision uses the fused face+finger verdict, fed by the
per-finger scores kept here.
The threshold was measured on synthetic fingers: an operator must recalibrate
it on its own data. Every read of enrolled fingers is audited by the caller
(``service``, ``identify_fingers``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from openabc.fingerprint.extractor import FingerTemplate
from openabc.fingerprint.iso19794_2 import RecordError
from openabc.fingerprint.matcher import DEFAULT_THRESHOLD, compare
from openabc.fingerprint.types import Finger
from openabc.fingerprint.wire import WIRE_FORMAT, from_message
from openabc.matcher.audit import AuditEntry, AuditLog
from openabc.matcher.db import Database
from openabc.matcher.store import MatcherStore, record_gallery_change
from openabc.messages import CheckOutcome, FingerprintTemplate, Reason

logger = logging.getLogger(__name__)

MIN_MATCHED_FINGERS = 2
FINGER_SYSTEM = "cir_fingers"
"""The ``system`` of audit rows that read or write enrolled fingers."""


class InvalidFingerTemplate(ValueError):
    """A probe finger in a request is malformed (bad base64, record or position)."""


@dataclass(frozen=True)
class EnrolledFinger:
    """One finger as stored: position, capture quality and its ISO record."""

    position: Finger
    quality: int
    template: FingerTemplate


@dataclass(frozen=True)
class FingerVerification:
    """Outcome of the 1:1 finger check of one request.

    ``outcome`` None: not compared (no fingers sent, or nothing enrolled yet).
    ``reason`` is the refer reason when ``outcome`` is FAIL.
    """

    outcome: CheckOutcome | None
    matched: int | None = None
    compared: int = 0
    reason: Reason | None = None
    read_references: bool = False
    """Whether enrolled fingers were read (an access to audit)."""
    scores: tuple[float, ...] = ()
    """Bozorth3 score of each compared position (input of the sBMS fusion)."""


@dataclass(frozen=True)
class FingerCandidate:
    """A 1:N hit: how many probe fingers matched the person's, and their summed score."""

    person_id: str
    matched: int
    score: float


def decode_probes(fingers: Sequence[FingerprintTemplate]) -> dict[Finger, EnrolledFinger]:
    """Probe fingers of a request by position; malformed or duplicated ones raise."""
    probes: dict[Finger, EnrolledFinger] = {}
    for message in fingers:
        try:
            template = from_message(message)
        except RecordError as err:
            raise InvalidFingerTemplate(str(err)) from err
        position = Finger(message.position)
        if position in probes:
            raise InvalidFingerTemplate(f"finger position {int(position)} sent twice")
        probes[position] = EnrolledFinger(position, message.quality, template)
    return probes


# --- storage (writes inside the caller's store.transaction()) -----------------
def add_finger_templates(
    conn: Database | MatcherStore, person_id: str, fingers: Iterable[EnrolledFinger]
) -> int:
    """Enrol (or replace, per position) a person's fingers; returns how many."""
    db = conn.conn if isinstance(conn, MatcherStore) else conn
    count = 0
    for finger in fingers:
        db.execute(
            "INSERT INTO finger_templates VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (person_id, position) DO UPDATE SET quality=excluded.quality,"
            " format=excluded.format, record=excluded.record",
            (
                person_id,
                int(finger.position),
                finger.quality,
                WIRE_FORMAT,
                finger.template.to_bytes(),
            ),
        )
        count += 1
    if count:
        record_gallery_change(db, person_id, "enrol")
    return count


def _rows_to_fingers(rows: Iterable[tuple[object, ...]]) -> dict[Finger, EnrolledFinger]:
    out: dict[Finger, EnrolledFinger] = {}
    for position, quality, fmt, record in rows:
        if fmt != WIRE_FORMAT:
            raise RecordError(f"stored finger in unknown format {fmt!r}")
        template = FingerTemplate.from_bytes(bytes(cast(bytes, record)))
        finger = Finger(int(cast(int, position)))
        out[finger] = EnrolledFinger(finger, int(cast(int, quality)), template)
    return out


def finger_templates(store: MatcherStore, person_id: str) -> dict[Finger, EnrolledFinger]:
    """A person's enrolled fingers by position (empty: none enrolled)."""
    rows = store.query(
        "SELECT position, quality, format, record FROM finger_templates WHERE person_id=?"
        " ORDER BY position",
        (person_id,),
    )
    return _rows_to_fingers(rows)


def finger_gallery(store: MatcherStore) -> dict[str, dict[Finger, FingerTemplate]]:
    """Every enrolled person's fingers, for a 1:N scan (ordered by person id)."""
    rows = store.query(
        "SELECT person_id, position, quality, format, record FROM finger_templates"
        " ORDER BY person_id, position"
    )
    by_person: dict[str, list[tuple[object, ...]]] = {}
    for row in rows:
        by_person.setdefault(str(row[0]), []).append(tuple(row[1:]))
    return {
        person: {f: e.template for f, e in _rows_to_fingers(person_rows).items()}
        for person, person_rows in by_person.items()
    }


def keep_for_enrolment(
    conn: Database, transaction_id: str, fingers: Iterable[EnrolledFinger]
) -> None:
    """Hold an accepted first-time traveller's probes until the crossing is reported."""
    for finger in fingers:
        conn.execute(
            "INSERT INTO transaction_fingers VALUES (?, ?, ?, ?, ?)",
            (
                transaction_id,
                int(finger.position),
                finger.quality,
                WIRE_FORMAT,
                finger.template.to_bytes(),
            ),
        )


def take_pending(conn: Database, transaction_id: str) -> list[EnrolledFinger]:
    """The probes held for ``transaction_id``, deleted as they are taken."""
    rows = conn.execute(
        "SELECT position, quality, format, record FROM transaction_fingers"
        " WHERE transaction_id=? ORDER BY position",
        (transaction_id,),
    ).fetchall()
    conn.execute("DELETE FROM transaction_fingers WHERE transaction_id=?", (transaction_id,))
    return list(_rows_to_fingers(rows).values())


# --- 1:1 and 1:N -------------------------------------------------------------
def verify_fingers(
    probes: Mapping[Finger, FingerTemplate],
    references: Mapping[Finger, FingerTemplate],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    min_matched: int = MIN_MATCHED_FINGERS,
) -> FingerVerification:
    """Same-position 1:1 comparisons; PASS when ``min_matched`` fingers match."""
    common = sorted(set(probes) & set(references))
    scores = {f: compare(probes[f], references[f], threshold).score for f in common}
    return scored_verification(scores, threshold=threshold, min_matched=min_matched)


def scored_verification(
    scores: Mapping[Finger, float],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    min_matched: int = MIN_MATCHED_FINGERS,
) -> FingerVerification:
    """The 1:1 verdict from same-position scores (the module's 2-of-N rule)."""
    ordered = tuple(scores[f] for f in sorted(scores))
    matched = sum(score >= threshold for score in ordered)
    outcome = CheckOutcome.PASS if matched >= min_matched else CheckOutcome.FAIL
    return FingerVerification(
        outcome,
        matched,
        len(ordered),
        None if outcome is CheckOutcome.PASS else Reason.FINGER_MISMATCH,
        read_references=True,
        scores=ordered,
    )


def verify_request_fingers(
    store: MatcherStore,
    fingers: Sequence[FingerprintTemplate],
    person_id: str | None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    known_scores: Mapping[Finger, float] | None = None,
) -> tuple[FingerVerification, dict[Finger, EnrolledFinger]]:
    """The finger check of one request, and its decoded probes (for enrolment).

    Never raises: a malformed probe is FAIL / INVALID_REQUEST, a failing
    store or comparison UNAVAILABLE, so an error can only ever refer.
    ``known_scores``: this person's scores from the 1:N just run, reused when
    they cover every comparable position (a genuine Bozorth3 comparison costs
    up to ~50 ms; impostor ones ~2 ms).
    """
    if not fingers:
        return FingerVerification(None), {}
    try:
        probes = decode_probes(fingers)
    except InvalidFingerTemplate as err:
        logger.warning("malformed finger template in request: %s", err)
        return FingerVerification(CheckOutcome.FAIL, reason=Reason.INVALID_REQUEST), {}
    if person_id is None:
        return FingerVerification(None), probes
    try:
        references = finger_templates(store, person_id)
        if not references:
            return FingerVerification(None, read_references=True), probes
        common = set(probes) & set(references)
        if known_scores is not None and set(known_scores) == common:
            result = scored_verification(known_scores, threshold=threshold)
        else:
            result = verify_fingers(
                {f: p.template for f, p in probes.items()},
                {f: r.template for f, r in references.items()},
                threshold=threshold,
            )
    except Exception as exc:  # noqa: BLE001 - unavailable, never a pass
        logger.warning("check finger_verify unavailable: %s", type(exc).__name__)
        return FingerVerification(CheckOutcome.UNAVAILABLE, read_references=True), probes
    return result, probes


def identify_fingers(
    store: MatcherStore,
    probes: Mapping[Finger, FingerTemplate],
    *,
    request_id: str,
    requester: str,
    purpose: str,
    at: float,
    threshold: float = DEFAULT_THRESHOLD,
    min_matched: int = MIN_MATCHED_FINGERS,
    limit: int = 10,
    gallery: Mapping[str, Mapping[Finger, FingerTemplate]] | None = None,
) -> list[FingerCandidate]:
    """1:N: enrolled persons with ``min_matched`` same-position matches, best first.

    An exhaustive 1:1 scan (~5-20 ms per finger pair): fine for the regional
    demo galleries, an sBMS-scale gallery needs an indexed matcher. The search
    is audited (who asked, for which request and purpose, how many candidates;
    never who they are). ``gallery`` lets a caller reuse a loaded gallery; the
    search is audited all the same.
    """
    enrolled = finger_gallery(store) if gallery is None else gallery
    candidates: list[FingerCandidate] = []
    for person_id, references in enrolled.items():
        common = sorted(set(probes) & set(references))
        if len(common) < min_matched:
            continue
        scores = [compare(probes[f], references[f], threshold).score for f in common]
        matched = sum(score >= threshold for score in scores)
        if matched >= min_matched:
            candidates.append(FingerCandidate(person_id, matched, float(sum(scores))))
    candidates.sort(key=lambda c: (-c.matched, -c.score, c.person_id))
    hits = candidates[:limit]
    AuditLog(store).append(
        [AuditEntry(at, request_id, requester, FINGER_SYSTEM, purpose, f"candidates={len(hits)}")]
    )
    return hits


class FingerGalleryCache:
    """A worker's decoded finger gallery, loaded once and refreshed per changed person.

    Why: decoding every enrolled ISO record on each request costs more than
    the search it feeds; the gallery change feed (``gallery.GallerySync``)
    tells the worker whose fingers to re-read.
    """

    def __init__(self) -> None:
        self._persons: dict[str, dict[Finger, FingerTemplate]] | None = None

    def gallery(self, store: MatcherStore) -> dict[str, dict[Finger, FingerTemplate]]:
        if self._persons is None:
            self._persons = finger_gallery(store)
        return self._persons

    def refresh(self, store: MatcherStore, person_id: str) -> None:
        if self._persons is None:
            return  # not loaded yet: the first use reads the store as it is then
        fingers = {f: e.template for f, e in finger_templates(store, person_id).items()}
        if fingers:
            self._persons[person_id] = fingers
        else:
            self._persons.pop(person_id, None)


SCREEN_SHORTLIST = 8
"""Persons fully compared after the one-finger screen of a finger 1:N."""


def scan_finger_gallery(
    probes: Mapping[Finger, FingerTemplate],
    gallery: Mapping[str, Mapping[Finger, FingerTemplate]],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    shortlist: int = SCREEN_SHORTLIST,
    always: Iterable[str] = (),
) -> dict[str, dict[Finger, float]]:
    """Per-finger scores of the persons worth comparing fully, for a bounded 1:N.

    A Bozorth3 comparison costs ~4 ms, so comparing all four probe fingers
    with every enrolled person is 16 ms per person (3 s at 200 persons). The
    scan screens with one probe finger (the median by minutiae count: Bozorth3
    time grows with the count, and the richest finger made the screen ~3x
    slower at p95, ``bench/bench_sbms.py``) against
    each person's same finger, then compares every finger of the
    ``shortlist`` best-screened persons, of every person whose screen
    already reached ``threshold``, and of ``always`` (the face candidates).
    Cost: N + 4 x (shortlist + hits) comparisons. A mate whose screening
    finger fails (single-finger FNMR ~5-8 %) is left to the face search.
    """
    if not probes:
        return {}
    by_minutiae = sorted(probes, key=lambda f: (len(probes[f].view.minutiae), int(f)))
    screen = by_minutiae[len(by_minutiae) // 2]
    screened: dict[str, float] = {}
    for person_id, references in gallery.items():
        if screen in references:
            screened[person_id] = compare(probes[screen], references[screen], threshold).score
    ranked = sorted(screened.items(), key=lambda ps: (-ps[1], ps[0]))
    chosen = [p for i, (p, score) in enumerate(ranked) if i < shortlist or score >= threshold]
    chosen += [p for p in always if p in gallery and p not in chosen]
    out: dict[str, dict[Finger, float]] = {}
    for person_id in chosen:
        references = gallery[person_id]
        out[person_id] = {
            f: screened[person_id]
            if f == screen and person_id in screened
            else compare(probes[f], references[f], threshold).score
            for f in sorted(set(probes) & set(references))
        }
    return out

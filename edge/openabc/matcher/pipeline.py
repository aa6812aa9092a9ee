"""Runs every check of one MatchRequest against the registers and the galleries.

Separate from the service so the order and the "unavailable, never pass"
handling of the checks are in one place; the decision itself stays a pure
function in ``decision``.

Biometrics go through the sBMS (``sbms``): the 1:N identity/MID search fuses
the face gallery with the finger gallery when fingers are sent, and the 1:1
verdict the decision uses is the fused ``biometric_verify``; the per-modality
``face_verify`` and finger results stay in the response for the guard.
Before a 1:N search the worker's galleries catch up with the store's change
feed (``gallery.GallerySync``), so enrolments and purges made through other
workers are seen.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from openabc.fingerprint.extractor import FingerTemplate
from openabc.fingerprint.matcher import DEFAULT_THRESHOLD
from openabc.fingerprint.types import Finger
from openabc.matcher import checks as c
from openabc.matcher import sbms
from openabc.matcher.checks import Check
from openabc.matcher.decision import Regime
from openabc.matcher.fingers import (
    EnrolledFinger,
    FingerGalleryCache,
    FingerVerification,
    InvalidFingerTemplate,
    decode_probes,
    finger_gallery,
    verify_request_fingers,
)
from openabc.matcher.gallery import GalleryIndex, GallerySync
from openabc.matcher.mid import LinkStatus
from openabc.matcher.nationalities import etias_required
from openabc.matcher.store import MatcherStore
from openabc.matcher.vis import vis_check
from openabc.messages import (
    CheckOutcome,
    Direction,
    MatchRequest,
    Reason,
    StaySummary,
    TravelDocument,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TemplateModel:
    """The embedding model this matcher compares, and its 1:1 threshold."""

    model_id: str
    model_version: str
    verify_distance: float


@dataclass(frozen=True)
class CheckRun:
    results: dict[Check, CheckOutcome]
    regime: Regime
    templates_usable: bool
    person_id: str | None
    """The traveller's CIR file (via the document or a consistent 1:N hit)."""
    face_distance: float | None
    stay: StaySummary | None
    refined: dict[Check, Reason] = field(default_factory=dict)
    mid_link: tuple[str, str, LinkStatus] | None = None
    visa_id: str | None = None
    """The visa an entry would use (VIS checks only)."""
    fingers: FingerVerification = field(default_factory=lambda: FingerVerification(None))
    """The per-modality finger 1:1 (``finger_verify``)."""
    probes: dict[Finger, EnrolledFinger] = field(default_factory=dict)
    """Decoded probe fingers (enrolled on crossing when the person has none)."""
    biometric: sbms.FusedComparison | None = None
    """The fused 1:1 (``biometric_verify``); None when the face templates are unusable."""
    finger_search: int | None = None
    """Candidates of the fused 1:N when fingers took part in it (an access to audit)."""


def regime_for(nationality: str) -> Regime:
    """Visa-exempt nationals need ETIAS; everyone else (unknown included) a visa."""
    return Regime.ETIAS if etias_required(nationality) else Regime.VISA


SEARCH_K = 5
"""Face candidates taken into the fused 1:N."""


class CheckRunner:
    """Consults each emulated system once per request."""

    def __init__(
        self,
        store: MatcherStore,
        gallery: GalleryIndex,
        model: TemplateModel,
        identity_search_distance: float,
        *,
        sync: GallerySync | None = None,
        fingers: FingerGalleryCache | None = None,
        finger_threshold: float = DEFAULT_THRESHOLD,
        calibration: sbms.Calibration | None = None,
    ) -> None:
        self._store = store
        self._gallery = gallery
        self._model = model
        self._search_distance = identity_search_distance
        self._sync = sync
        self._fingers = fingers
        self._finger_threshold = finger_threshold
        self._calibration = calibration or sbms.default_calibration(
            model.verify_distance, finger_threshold
        )

    def run(self, request: MatchRequest, on_date: dt.date) -> CheckRun:
        doc, store = request.document, self._store
        results: dict[Check, CheckOutcome] = {}
        refined: dict[Check, Reason] = {}
        own = (self._model.model_id, self._model.model_version)
        faces = (request.live_face, request.portrait_face)
        usable = all((t.model_id, t.model_version) == own for t in faces)
        results[Check.TEMPLATE_MODEL] = CheckOutcome.PASS if usable else CheckOutcome.FAIL
        results[Check.DOCUMENT] = c.document_check(doc, on_date)
        distance: float | None = None
        doc_person = store.person_for_document(doc.issuing_state, doc.document_number)
        person = doc_person
        identity = c.IdentityResult(CheckOutcome.UNAVAILABLE)
        finger_search: int | None = None
        scanned: dict[str, dict[Finger, float]] = {}
        if usable:
            distance = c.face_distance(request.live_face, request.portrait_face)
            ok = distance <= self._model.verify_distance
            results[Check.FACE_VERIFY] = CheckOutcome.PASS if ok else CheckOutcome.FAIL
            identity, finger_search, scanned = self._identity(request, doc_person)
            results[Check.CIR_IDENTITY] = identity.outcome
            if identity.reason is not None:
                refined[Check.CIR_IDENTITY] = identity.reason
            if person is None and identity.outcome == CheckOutcome.PASS:
                person = identity.person_id
        # Fingers are verified against the file the request resolved to (the
        # document's, or a consistent 1:N hit); no fingers: face-only.
        fingers, probes = verify_request_fingers(
            store,
            request.fingers,
            person,
            threshold=self._finger_threshold,
            known_scores=None if person is None else scanned.get(person),
        )
        biometric = None
        if usable:
            biometric = sbms.verify(
                distance,
                None if fingers.outcome is None else fingers.scores,
                self._calibration,
                finger_outcome=fingers.outcome,
                finger_reason=fingers.reason,
            )
        results[Check.SIS] = c.guarded(Check.SIS, lambda: c.sis_check(store, doc))
        results[Check.SLTD] = c.guarded(Check.SLTD, lambda: c.sltd_check(store, doc))
        regime = regime_for(doc.nationality)
        visa_id: str | None = None
        if request.direction is Direction.ENTRY and regime is Regime.ETIAS:
            results[Check.ETIAS] = c.guarded(
                Check.ETIAS, lambda: c.etias_check(store, doc, on_date)
            )
        elif request.direction is Direction.ENTRY:
            results[Check.VIS], visa_id = self._vis(doc, on_date, refined)
        ees = c.ees_check if request.direction is Direction.ENTRY else c.ees_exit_check
        stay: StaySummary | None = None
        try:
            results[Check.EES], stay = ees(store, person, on_date)
        except Exception as exc:  # noqa: BLE001 - unavailable, never a pass
            logger.warning("check ees unavailable: %s", type(exc).__name__)
            results[Check.EES] = CheckOutcome.UNAVAILABLE
        return CheckRun(
            results,
            regime,
            usable,
            person,
            distance,
            stay,
            refined,
            identity.link,
            visa_id,
            fingers,
            probes,
            biometric,
            finger_search,
        )

    def _vis(
        self, doc: TravelDocument, on_date: dt.date, refined: dict[Check, Reason]
    ) -> tuple[CheckOutcome, str | None]:
        try:
            outcome, reason, visa_id = vis_check(self._store, doc, on_date)
        except Exception as exc:  # noqa: BLE001 - unavailable, never a pass
            logger.warning("check vis unavailable: %s", type(exc).__name__)
            return CheckOutcome.UNAVAILABLE, None
        if reason is not None:
            refined[Check.VIS] = reason
        return outcome, visa_id

    def _identity(
        self, request: MatchRequest, doc_person: str | None
    ) -> tuple[c.IdentityResult, int | None, dict[str, dict[Finger, float]]]:
        """CIR 1:N with MID: sBMS-fused for a newcomer who sent valid fingers, else face-only.

        Returns the result, when fingers took part the candidate count (the
        finger gallery was read: the caller audits it), and the finger scores
        the search computed (the 1:1 reuses them). A malformed probe
        is left to the 1:1 (INVALID_REQUEST); any error here is UNAVAILABLE.
        """
        try:
            if self._sync is not None:
                self._sync.catch_up()
            # Finger 1:N costs ~5 ms per finger-enrolled person (a Bozorth3 scan), so it
            # runs where it matters: a document without a file (a newcomer, who may be
            # re-enrolling under another passport). A known file gets the 1:1 only.
            probes = self._probes(request) if doc_person is None else {}
            enrolled = (
                {}
                if not probes
                else (
                    finger_gallery(self._store)
                    if self._fingers is None
                    else self._fingers.gallery(self._store)
                )
            )
            if not enrolled:
                face_only = c.identity_check(
                    self._gallery,
                    self._store,
                    request.live_face,
                    request.document,
                    doc_person,
                    self._search_distance,
                )
                return face_only, None, {}
            found = sbms.search(
                self._gallery,
                request.live_face,
                probes,
                SEARCH_K,
                calibration=self._calibration,
                search_distance=self._search_distance,
                finger_gallery=enrolled,
                finger_threshold=self._finger_threshold,
            )
            if not found.hits:
                return c.IdentityResult(CheckOutcome.PASS), 0, found.finger_scores
            best = found.hits[0].person_id
            hit = c.identity_from_hit(self._store, best, request.document, doc_person)
            return hit, len(found.hits), found.finger_scores
        except Exception as exc:  # noqa: BLE001 - unavailable, never a pass
            logger.warning("check cir_identity unavailable: %s", type(exc).__name__)
            return c.IdentityResult(CheckOutcome.UNAVAILABLE), None, {}

    @staticmethod
    def _probes(request: MatchRequest) -> dict[Finger, FingerTemplate]:
        if not request.fingers:
            return {}
        try:
            return {f: p.template for f, p in decode_probes(request.fingers).items()}
        except InvalidFingerTemplate:
            return {}

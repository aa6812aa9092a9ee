"""Runs every check of one MatchRequest against the registers and the gallery.

Separate from the service so the order and the "unavailable, never pass"
handling of the checks are in one place; the decision itself stays a pure
function in ``decision``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from openabc.matcher import checks as c
from openabc.matcher.checks import Check
from openabc.matcher.decision import Regime
from openabc.matcher.gallery import GalleryIndex
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


def regime_for(nationality: str) -> Regime:
    """Visa-exempt nationals need ETIAS; everyone else (unknown included) a visa."""
    return Regime.ETIAS if etias_required(nationality) else Regime.VISA


class CheckRunner:
    """Consults each emulated system once per request."""

    def __init__(
        self,
        store: MatcherStore,
        gallery: GalleryIndex,
        model: TemplateModel,
        identity_search_distance: float,
    ) -> None:
        self._store = store
        self._gallery = gallery
        self._model = model
        self._search_distance = identity_search_distance

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
        if usable:
            distance = c.face_distance(request.live_face, request.portrait_face)
            ok = distance <= self._model.verify_distance
            results[Check.FACE_VERIFY] = CheckOutcome.PASS if ok else CheckOutcome.FAIL
            identity = self._identity(request, doc_person)
            results[Check.CIR_IDENTITY] = identity.outcome
            if identity.reason is not None:
                refined[Check.CIR_IDENTITY] = identity.reason
            if person is None and identity.outcome == CheckOutcome.PASS:
                person = identity.person_id
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
            results, regime, usable, person, distance, stay, refined, identity.link, visa_id
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

    def _identity(self, request: MatchRequest, doc_person: str | None) -> c.IdentityResult:
        try:
            return c.identity_check(
                self._gallery,
                self._store,
                request.live_face,
                request.document,
                doc_person,
                self._search_distance,
            )
        except Exception as exc:  # noqa: BLE001 - unavailable, never a pass
            logger.warning("check cir_identity unavailable: %s", type(exc).__name__)
            return c.IdentityResult(CheckOutcome.UNAVAILABLE)

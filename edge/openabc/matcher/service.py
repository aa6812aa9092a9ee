"""Matcher use cases: decide on a MatchRequest, record a CrossingReport.

Transport-free so it can be tested in-process; the MQTT adapter only parses
and replies. Every register consulted is written to the audit chain before
the answer leaves, and any failure on the way becomes a REFER.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import threading
from collections.abc import Callable

from openabc.fingerprint.matcher import DEFAULT_THRESHOLD
from openabc.matcher.audit import AuditEntry, AuditLog
from openabc.matcher.checks import Check
from openabc.matcher.decision import decide
from openabc.matcher.fingers import FINGER_SYSTEM, FingerGalleryCache
from openabc.matcher.gallery import GalleryIndex, GallerySync
from openabc.matcher.mid import MultipleIdentityDetector
from openabc.matcher.pipeline import CheckRunner, TemplateModel
from openabc.matcher.store import MatcherStore
from openabc.matcher.transactions import TransactionLog
from openabc.messages import (
    CrossingAck,
    CrossingReport,
    Decision,
    FaceTemplate,
    MatchRequest,
    MatchResponse,
    Reason,
)

__all__ = ["MatcherService", "TemplateModel"]

logger = logging.getLogger(__name__)


def _new_id() -> str:
    return secrets.token_hex(16)


class MatcherService:
    """Decisions and crossings over one store and one gallery."""

    def __init__(
        self,
        store: MatcherStore,
        gallery: GalleryIndex,
        model: TemplateModel,
        *,
        identity_search_distance: float,
        new_id: Callable[[], str] = _new_id,
        gallery_seq: int | None = None,
        finger_threshold: float = DEFAULT_THRESHOLD,
    ) -> None:
        """``gallery_seq``: the change-feed position ``gallery`` was loaded at
        (``gallery.load_gallery``); None reads the current one, which misses a
        change committed between loading the gallery and this call.
        """
        self._store = store
        self._gallery = gallery
        self._model = model
        self._fingers = FingerGalleryCache()
        self.sync = GallerySync(
            store,
            gallery,
            model.model_id,
            model.model_version,
            since=gallery_seq,
            fingers=self._fingers,
        )
        self._checks = CheckRunner(
            store,
            gallery,
            model,
            identity_search_distance,
            sync=self.sync,
            fingers=self._fingers,
            finger_threshold=finger_threshold,
        )
        self._new_id = new_id
        self._audit = AuditLog(store)
        self._log = TransactionLog(store)
        self._mid = MultipleIdentityDetector(store)
        self._lock = threading.Lock()

    def handle_match(self, request: MatchRequest, now: dt.datetime) -> MatchResponse:
        transaction_id = self._new_id()
        try:
            with self._lock:
                return self._match(request, now, transaction_id)
        except Exception as exc:  # noqa: BLE001 - an unrecorded decision must not admit
            logger.warning("match %s failed: %s", transaction_id, type(exc).__name__)
            return MatchResponse(
                correlation_id=request.correlation_id,
                kiosk_id=request.kiosk_id,
                transaction_id=transaction_id,
                decision=Decision.REFER,
                reasons=(Reason.SYSTEM_UNAVAILABLE,),
                decided_at=now.timestamp(),
            )

    def _match(self, request: MatchRequest, now: dt.datetime, transaction_id: str) -> MatchResponse:
        run = self._checks.run(request, now.date())
        fingers, probes, fused = run.fingers, run.probes, run.biometric
        decision, reasons = decide(
            run.results,
            direction=request.direction,
            regime=run.regime,
            stay=run.stay,
            refined=run.refined,
            # the fused verdict holds the fingers; without it (unusable face
            # templates) the finger outcome still counts on its own
            fingers=fingers.outcome if fused is None else None,
            finger_reason=fingers.reason or Reason.FINGER_MISMATCH,
            biometric=None if fused is None else fused.outcome,
            biometric_reasons=() if fused is None else fused.reasons,
        )
        if run.mid_link is not None:
            matched, key, status = run.mid_link
            self._mid.record(
                person_id=matched,
                key=key,
                document=request.document,
                status=status,
                transaction_id=transaction_id,
                at=now.timestamp(),
            )
        person, newcomer = run.person_id, run.person_id is None
        if newcomer and decision == Decision.ACCEPT:
            person = self._new_id()
        purpose = f"border_check_{request.direction.value}"
        finger_audit = (
            [
                AuditEntry(
                    now.timestamp(),
                    transaction_id,
                    request.kiosk_id,
                    FINGER_SYSTEM,
                    purpose,
                    "no_reference" if fingers.outcome is None else fingers.outcome.value,
                )
            ]
            if fingers.read_references
            else []
        ) + (
            [
                AuditEntry(
                    now.timestamp(),
                    transaction_id,
                    request.kiosk_id,
                    FINGER_SYSTEM,
                    f"{purpose}_identification",
                    f"candidates={run.finger_search}",
                )
            ]
            if run.finger_search is not None
            else []
        )
        self._audit.append(
            [
                AuditEntry(
                    now.timestamp(),
                    transaction_id,
                    request.kiosk_id,
                    name.value,
                    purpose,
                    outcome.value,
                )
                for name, outcome in run.results.items()
                if name != Check.TEMPLATE_MODEL
            ]
            + finger_audit
        )
        enrol = newcomer and run.templates_usable and decision == Decision.ACCEPT
        self._log.issue(
            transaction_id=transaction_id,
            correlation_id=request.correlation_id,
            kiosk_id=request.kiosk_id,
            lane_id=request.lane_id,
            direction=request.direction,
            decision=decision,
            person_id=person,
            document=request.document,
            live_vector=request.live_face.vector if enrol else None,
            decided_at=now.timestamp(),
            visa_id=run.visa_id,
            # First fingers of this traveller: enrolled with the EES record on crossing.
            pending_fingers=(
                tuple(probes.values())
                if decision == Decision.ACCEPT and fingers.outcome is None
                else ()
            ),
        )
        logger.info(
            "match %s: %s %s", transaction_id, decision.value, ",".join(r.value for r in reasons)
        )
        return MatchResponse(
            correlation_id=request.correlation_id,
            kiosk_id=request.kiosk_id,
            transaction_id=transaction_id,
            decision=decision,
            reasons=reasons,
            checks={name.value: outcome for name, outcome in run.results.items()}
            | ({} if fingers.outcome is None else {"finger_verify": fingers.outcome})
            | ({} if fused is None else {"biometric_verify": fused.outcome}),
            face_distance=run.face_distance,
            fingers_matched=fingers.matched,
            stay=run.stay,
            decided_at=now.timestamp(),
        )

    def handle_crossing(self, report: CrossingReport) -> CrossingAck:
        """Record the EES movement of an ACCEPTed transaction, once."""
        with self._lock:
            record = self._log.get(report.transaction_id)
            if (
                record is None
                or record.kiosk_id != report.kiosk_id
                or record.decision != Decision.ACCEPT
            ):
                logger.warning(
                    "crossing for unknown or refused transaction %s", report.transaction_id
                )
                return CrossingAck(
                    correlation_id=report.correlation_id,
                    transaction_id=report.transaction_id,
                    recorded=False,
                )
            own = (self._model.model_id, self._model.model_version)
            result = self._log.close(
                record,
                crossed=report.crossed,
                crossed_at=report.crossed_at,
                person_id=record.person_id,
                template_model=own,
            )
            if result.enrolled and record.person_id and record.live_vector is not None:
                self._gallery.add(
                    record.person_id,
                    FaceTemplate(
                        model_id=own[0],
                        model_version=own[1],
                        vector=tuple(float(v) for v in record.live_vector),
                    ),
                )
            if not result.duplicate:
                self._audit.append(
                    [
                        AuditEntry(
                            report.crossed_at,
                            report.transaction_id,
                            report.kiosk_id,
                            "ees",
                            f"record_{record.direction.value}",
                            "crossed" if report.crossed else "not_crossed",
                        )
                    ]
                    + (
                        [
                            AuditEntry(
                                report.crossed_at,
                                report.transaction_id,
                                report.kiosk_id,
                                FINGER_SYSTEM,
                                "enrol",
                                f"fingers={result.fingers_enrolled}",
                            )
                        ]
                        if result.fingers_enrolled
                        else []
                    )
                )
        return CrossingAck(
            correlation_id=report.correlation_id,
            transaction_id=report.transaction_id,
            recorded=result.recorded,
            duplicate=result.duplicate,
        )

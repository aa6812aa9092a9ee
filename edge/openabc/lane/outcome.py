"""What the lane reports about one traveller, and the kiosk-side refer reasons."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from openabc.messages import Decision


class LaneReason(StrEnum):
    """Why the kiosk itself refers a traveller before or after asking the matcher.

    Passive-authentication reasons (``ds_expired``, ``dg_hash_mismatch:DG2``...)
    come from ``openabc.epassport.errors`` and are passed through unchanged.
    """

    DOCUMENT_UNREADABLE = "document_unreadable"
    MRZ_INVALID = "mrz_invalid"
    DOCUMENT_EXPIRED = "document_expired"
    PORTRAIT_UNUSABLE = "portrait_unusable"
    NO_LIVE_FACE = "no_live_face"
    CAMERA_FAULT = "camera_fault"
    FACE_QUALITY_INSUFFICIENT = "face_quality_insufficient"
    PRESENTATION_ATTACK = "presentation_attack"
    FACE_MODEL_ERROR = "face_model_error"
    FACE_MISMATCH = "face_mismatch"
    """Live face against the authenticated chip portrait, on the kiosk."""
    FINGER_QUALITY_INSUFFICIENT = "finger_quality_insufficient"
    FINGER_NOT_PRESENTED = "finger_not_presented"
    FINGER_SCANNER_FAULT = "finger_scanner_fault"
    MATCHER_TIMEOUT = "matcher_timeout"
    MATCHER_ERROR = "matcher_error"
    GATE_FAULT = "gate_fault"
    NO_PASSAGE = "no_passage"
    PASSAGE_UNKNOWN = "passage_unknown"
    LANE_CLOSED = "lane_closed"


@dataclass(frozen=True)
class TravellerOutcome:
    """One traveller's result; holds no personal or biometric data."""

    session: str
    outcome: Literal["passed", "referred", "no_traveller"]
    reasons: tuple[str, ...] = ()
    decision: Decision | None = None
    transaction_id: str | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def traveller_message(self) -> str:
        """The only thing shown at the gate: never the reason."""
        if self.outcome == "passed":
            return "Please proceed"
        if self.outcome == "referred":
            return "Please see a border guard"
        return "Please place your passport on the reader"


def session_tag(session_id: str, salt: bytes) -> str:
    """Salted hash so logs and outcomes can be correlated without identifying anyone."""
    return hashlib.blake2s(session_id.encode(), key=salt[:32], digest_size=8).hexdigest()

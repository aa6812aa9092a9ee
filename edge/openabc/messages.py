"""Typed MQTT payloads exchanged between kiosks and the regional matcher.

Every payload is a frozen pydantic model carrying ``schema_version`` so a
receiver can refuse what it does not understand instead of guessing. The
request/response envelope (``reply_to``, ``correlation_id``, ``deadline``)
lives in the payload itself because the embedded demo broker speaks only
MQTT 3.1.1, which has no ResponseTopic or CorrelationData properties.

No raw image ever appears here: faces travel as templates only.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

SCHEMA_VERSION = 1
TEMPLATE_DIMENSIONS = 128
MAX_PAYLOAD_BYTES = 64 * 1024


class Message(BaseModel):
    """Base for every payload: immutable, unknown fields refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = 1

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()


class FaceTemplate(BaseModel):
    """A face embedding with the identity of the model that produced it.

    The matcher refuses a template whose model id or version differs from its
    own: a new model means a new embedding space, and comparing across spaces
    gives meaningless scores.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    model_id: Annotated[str, Field(min_length=1, max_length=64)]
    model_version: Annotated[str, Field(min_length=1, max_length=32)]
    vector: tuple[float, ...]
    quality: dict[str, float] = Field(
        default_factory=dict,
        description="Capture-time quality scores 0-100 per measure (OFIQ-style), no image data",
        max_length=16,
    )

    @field_validator("vector")
    @classmethod
    def _check_vector(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if len(value) != TEMPLATE_DIMENSIONS:
            raise ValueError(f"template must have {TEMPLATE_DIMENSIONS} values, got {len(value)}")
        if not all(abs(v) < 1e3 for v in value):
            raise ValueError("template values out of range or not finite")
        return value


MAX_FINGER_RECORD_BYTES = 4096


class FingerprintTemplate(BaseModel):
    """One finger as an ISO/IEC 19794-2:2005 minutiae record (base64), never an image."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    position: Annotated[int, Field(ge=1, le=10, description="ISO/IEC 19794-2 finger code")]
    quality: Annotated[int, Field(ge=0, le=100, description="NFIQ 2-style score")]
    format: Literal["iso19794-2:2005"] = "iso19794-2:2005"
    record_b64: Annotated[str, Field(min_length=4, max_length=MAX_FINGER_RECORD_BYTES * 4 // 3 + 4)]


class TravelDocument(BaseModel):
    """The biographic data read from the document's MRZ (validated on the kiosk)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    document_type: Annotated[str, Field(min_length=1, max_length=2)]
    issuing_state: Annotated[str, Field(min_length=1, max_length=3)]
    document_number: Annotated[str, Field(min_length=1, max_length=30)]
    nationality: Annotated[str, Field(min_length=1, max_length=3)]
    birth_date: dt.date
    expiry_date: dt.date
    sex: Literal["M", "F", "X"]
    surname: Annotated[str, Field(max_length=39)]
    given_names: Annotated[str, Field(max_length=39)]


class Direction(StrEnum):
    ENTRY = "entry"
    EXIT = "exit"


class MatchRequest(Message):
    """Kiosk → matcher: check this traveller for a border crossing."""

    kind: Literal["match_request"] = "match_request"
    correlation_id: Annotated[str, Field(min_length=8, max_length=64)]
    reply_to: Annotated[str, Field(min_length=1, max_length=200)]
    deadline: float = Field(description="Unix time after which the answer is useless")
    sent_at: float
    kiosk_id: Annotated[str, Field(min_length=1, max_length=64)]
    lane_id: Annotated[str, Field(min_length=1, max_length=64)]
    direction: Direction = Direction.ENTRY
    document: TravelDocument
    live_face: FaceTemplate
    portrait_face: FaceTemplate
    fingers: tuple[FingerprintTemplate, ...] = Field(
        default=(), max_length=10, description="Slap fingers captured at the kiosk"
    )


class Decision(StrEnum):
    ACCEPT = "ACCEPT"
    REFER = "REFER"


class Reason(StrEnum):
    """Machine-readable reasons for a decision (never shown to the traveller)."""

    FACE_MISMATCH = "face_mismatch"
    FINGER_MISMATCH = "finger_mismatch"
    SIS_HIT = "sis_hit"
    SLTD_HIT = "sltd_hit"
    ETIAS_ABSENT = "etias_absent"
    ETIAS_INVALID = "etias_invalid"
    VISA_ABSENT = "visa_absent"
    VISA_INVALID = "visa_invalid"
    VISA_ENTRIES_EXHAUSTED = "visa_entries_exhausted"
    OVERSTAY_RISK = "overstay_risk"
    STAY_LIMIT_EXCEEDED = "stay_limit_exceeded"
    OVERSTAY_AT_EXIT = "overstay_at_exit"
    DOCUMENT_EXPIRED = "document_expired"
    MID_YELLOW = "mid_yellow"
    MID_RED = "mid_red"
    TEMPLATE_MODEL_MISMATCH = "template_model_mismatch"
    DEADLINE_EXCEEDED = "deadline_exceeded"
    SYSTEM_UNAVAILABLE = "system_unavailable"
    INVALID_REQUEST = "invalid_request"
    INTERNAL_ERROR = "internal_error"


class CheckOutcome(StrEnum):
    """Hit/no-hit style answer of one consulted system (first step only)."""

    HIT = "hit"
    NO_HIT = "no_hit"
    PASS = "pass"  # noqa: S105 - an outcome, not a secret
    FAIL = "fail"
    UNAVAILABLE = "unavailable"


class StaySummary(BaseModel):
    """EES 90/180 figures for an entry on ``on_date``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    on_date: dt.date
    days_used: int
    days_remaining: int
    latest_exit: dt.date | None = Field(
        description="Last permitted day of a stay starting on on_date; None: not even that day"
    )


class MatchResponse(Message):
    """Matcher → kiosk: the entry decision with every reason."""

    kind: Literal["match_response"] = "match_response"
    correlation_id: str
    kiosk_id: str
    transaction_id: str
    decision: Decision
    reasons: tuple[Reason, ...] = ()
    checks: dict[str, CheckOutcome] = Field(default_factory=dict)
    face_distance: float | None = None
    fingers_matched: int | None = Field(
        None, description="Slap fingers that matched the enrolled ones; None: not compared"
    )
    stay: StaySummary | None = None
    decided_at: float


class CrossingReport(Message):
    """Kiosk → matcher: the traveller of ``transaction_id`` crossed (or did not).

    The matcher records the EES entry only on ``crossed=True`` and
    deduplicates on ``transaction_id`` so the kiosk may resend until it gets an
    acknowledgement.
    """

    kind: Literal["crossing_report"] = "crossing_report"
    correlation_id: Annotated[str, Field(min_length=8, max_length=64)]
    reply_to: Annotated[str, Field(min_length=1, max_length=200)]
    deadline: float
    sent_at: float
    kiosk_id: Annotated[str, Field(min_length=1, max_length=64)]
    lane_id: Annotated[str, Field(min_length=1, max_length=64)]
    transaction_id: Annotated[str, Field(min_length=8, max_length=64)]
    crossed: bool
    crossed_at: float


class CrossingAck(Message):
    """Matcher → kiosk: the crossing of ``transaction_id`` is durably recorded."""

    kind: Literal["crossing_ack"] = "crossing_ack"
    correlation_id: str
    transaction_id: str
    recorded: bool
    duplicate: bool = False


class ErrorReply(Message):
    """Matcher → kiosk: the request could not be processed (kiosk must refer)."""

    kind: Literal["error"] = "error"
    correlation_id: str
    reason: Reason
    detail: str = ""


class LaneOutcome(Message):
    """Lane → anyone watching: what happened to one traveller (no personal data)."""

    kind: Literal["lane_outcome"] = "lane_outcome"
    kiosk_id: str
    lane_id: str
    session: str = Field(description="Salted hash of the session id, never a document number")
    outcome: Literal["passed", "referred"]
    reasons: tuple[str, ...] = ()
    timings_ms: dict[str, float] = Field(default_factory=dict)
    finished_at: float


Reply = MatchResponse | CrossingAck | ErrorReply

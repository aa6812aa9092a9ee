"""The lane's ``MatcherPort`` over MQTT request/response.

Requests are resent every ``retry_every_s`` until answered or the deadline:
a matcher worker that dies holding a request takes it with it (Mosquitto
does not hand it to another member of the shared subscription), and the
matchers answer a resend from their idempotency table, never twice.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import TypeVar

from openabc import topics
from openabc.lane.requests import KioskAddress, crossing_report, match_request
from openabc.messages import (
    CrossingAck,
    CrossingReport,
    Direction,
    ErrorReply,
    FaceTemplate,
    FingerprintTemplate,
    MatchRequest,
    MatchResponse,
    TravelDocument,
)
from openabc.mqtt.payload import parse_payload
from openabc.mqtt.rpc import RpcClient

_Reply = TypeVar("_Reply", MatchResponse, CrossingAck)

DEFAULT_RETRY_EVERY_S = 0.5
"""Well above a decision's normal round trip (milliseconds), well below its timeout."""


class MatcherRefusedError(RuntimeError):
    """The matcher answered with an error instead of a decision."""


class MqttMatcherClient:
    """Sends match requests and crossing reports for one kiosk."""

    def __init__(
        self,
        rpc: RpcClient,
        *,
        region: str,
        kiosk_id: str,
        lane_id: str,
        direction: Direction = Direction.ENTRY,
        clock: Callable[[], float] = time.time,
        retry_every_s: float | None = DEFAULT_RETRY_EVERY_S,
    ) -> None:
        self._rpc = rpc
        self._retry_every_s = retry_every_s
        self._region = region
        self._kiosk_id = kiosk_id
        self._address = KioskAddress(kiosk_id, lane_id, rpc.reply_topic, direction)
        self._clock = clock

    def check(
        self,
        *,
        document: TravelDocument,
        live_face: FaceTemplate,
        portrait_face: FaceTemplate,
        fingers: tuple[FingerprintTemplate, ...] = (),
        timeout: float,
    ) -> MatchResponse:
        def build(correlation_id: str, deadline: float) -> MatchRequest:
            return match_request(
                self._address, correlation_id=correlation_id, deadline=deadline,
                sent_at=self._clock(), document=document, live_face=live_face,
                portrait_face=portrait_face, fingers=fingers,
            )

        raw = self._rpc.request(
            topics.match_requests(self._region),
            build,
            timeout=timeout,
            retry_every=self._retry_every_s,
        )
        response = self._expect(raw, MatchResponse)
        if response.kiosk_id != self._kiosk_id:
            raise MatcherRefusedError("decision addressed to another kiosk")
        return response

    def report_crossing(
        self, *, transaction_id: str, crossed: bool, crossed_at: float, timeout: float
    ) -> CrossingAck:
        def build(correlation_id: str, deadline: float) -> CrossingReport:
            return crossing_report(
                self._address, correlation_id=correlation_id, deadline=deadline,
                sent_at=self._clock(), transaction_id=transaction_id, crossed=crossed,
                crossed_at=crossed_at,
            )

        raw = self._rpc.request(
            topics.crossing_reports(self._region),
            build,
            timeout=timeout,
            retry_every=self._retry_every_s,
        )
        return self._expect(raw, CrossingAck)

    @staticmethod
    def _expect(raw: bytes, model: type[_Reply]) -> _Reply:
        """Parse the reply as ``model``; an ``ErrorReply`` becomes an exception."""
        if _kind(raw) == "error":
            error = parse_payload(raw, ErrorReply)
            raise MatcherRefusedError(f"matcher error: {error.reason}")
        return parse_payload(raw, model)


def _kind(raw: bytes) -> str | None:
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    kind = data.get("kind") if isinstance(data, dict) else None
    return kind if isinstance(kind, str) else None

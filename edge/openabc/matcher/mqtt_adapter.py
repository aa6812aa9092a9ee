"""MQTT front of the matcher: parse strictly, decide, reply on ``reply_to``.

Never crashes on input: a malformed payload gets an INVALID_REQUEST error
reply when a reply topic and correlation id can be recovered, otherwise it
is dropped and logged (topic only). Replies go only to kiosk reply topics of
this region, so a forged ``reply_to`` cannot make the matcher publish into
another part of the bus.

With a ``ReplyTable`` the adapter answers each correlation id once across
all workers: kiosks resend when a worker died holding their request (see
``matcher.idempotency``), and a resend gets the stored reply, never a
second decision.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable

from pydantic import BaseModel

from openabc import topics
from openabc.matcher.idempotency import Outcome, ReplyTable, request_digest
from openabc.matcher.service import MatcherService
from openabc.messages import CrossingReport, ErrorReply, MatchRequest, Reason
from openabc.mqtt.bus import MqttBus
from openabc.mqtt.errors import BusError, PayloadError
from openabc.mqtt.rpc import parse_payload, reply_bytes_if_alive, reply_if_alive

logger = logging.getLogger(__name__)

ERROR_REPLY_TTL_S = 5.0


class MatcherMqttAdapter:
    """Subscribes one matcher worker to its region's request topics."""

    def __init__(
        self,
        bus: MqttBus,
        service: MatcherService,
        region: str,
        *,
        clock: Callable[[], float] = time.time,
        replies: ReplyTable | None = None,
    ) -> None:
        self._bus = bus
        self._service = service
        self._replies = replies
        self._region = region
        self._clock = clock
        self._reply_prefix = topics.kiosk_replies(region, "x")[: -len("x/reply")]

    def start(self) -> None:
        """Subscribe (shared on MQTT v5 so several workers split the load)."""
        for topic, handler in (
            (topics.match_requests(self._region), self.on_match),
            (topics.crossing_reports(self._region), self.on_crossing),
        ):
            self._bus.subscribe(topics.shared(topic) if self._bus.is_v5 else topic, handler)

    def _reply_topic_ok(self, reply_to: str) -> bool:
        rest = reply_to[len(self._reply_prefix) :]
        return (
            reply_to.startswith(self._reply_prefix)
            and rest.endswith("/reply")
            and rest.count("/") == 1
            and not any(ch in reply_to for ch in "+#\0")
        )

    def on_match(self, topic: str, payload: bytes) -> None:
        try:
            request = parse_payload(payload, MatchRequest)
        except PayloadError as err:
            self._refuse(topic, payload, err)
            return
        if not self._reply_topic_ok(request.reply_to):
            logger.warning("dropping a match request with a foreign reply topic on %s", topic)
            return
        now = self._clock()
        if request.deadline <= now:
            logger.info("dropping match request %s: deadline passed", request.correlation_id)
            return

        def decide() -> BaseModel:
            return self._service.handle_match(request, dt.datetime.fromtimestamp(now, dt.UTC))

        self._answer_once(
            payload, request.correlation_id, request.reply_to, request.deadline, decide
        )

    def on_crossing(self, topic: str, payload: bytes) -> None:
        """Record even a late report (the crossing happened); reply only if awaited."""
        try:
            report = parse_payload(payload, CrossingReport)
        except PayloadError as err:
            self._refuse(topic, payload, err)
            return
        if not self._reply_topic_ok(report.reply_to):
            logger.warning("dropping a crossing report with a foreign reply topic on %s", topic)
            return

        def record() -> BaseModel:
            try:
                return self._service.handle_crossing(report)
            except Exception as exc:  # noqa: BLE001 - the kiosk will resend
                logger.warning(
                    "crossing %s not recorded: %s", report.transaction_id, type(exc).__name__
                )
                return ErrorReply(
                    correlation_id=report.correlation_id,
                    reason=Reason.SYSTEM_UNAVAILABLE,
                    detail="store unavailable",
                )

        self._answer_once(payload, report.correlation_id, report.reply_to, report.deadline, record)

    def _answer_once(
        self,
        payload: bytes,
        correlation_id: str,
        reply_to: str,
        deadline: float,
        handle: Callable[[], BaseModel],
    ) -> None:
        """Run ``handle`` unless this correlation id is (being) answered elsewhere."""
        if self._replies is None:
            self._send(reply_to, deadline, handle())
            return
        try:
            claim = self._replies.claim(correlation_id, request_digest(payload), reply_to, deadline)
        except Exception as err:  # noqa: BLE001 - no guard, no decision
            logger.warning(
                "request %s: idempotency table unavailable: %s", correlation_id, type(err).__name__
            )
            self._send(
                reply_to,
                deadline,
                ErrorReply(
                    correlation_id=correlation_id,
                    reason=Reason.SYSTEM_UNAVAILABLE,
                    detail="store unavailable",
                ),
            )
            return
        if claim.outcome == Outcome.ANSWERED:
            self._send_bytes(reply_to, claim.deadline, claim.reply)
            return
        if claim.outcome != Outcome.CLAIMED:
            logger.info("not answering request %s: %s", correlation_id, claim.outcome.value)
            return
        reply = handle()
        if isinstance(reply, ErrorReply):
            self._replies.release(correlation_id)  # a resend may find the store back
            self._send(reply_to, claim.deadline, reply)
            return
        stored = self._replies.complete(correlation_id, reply.model_dump_json().encode())
        self._send_bytes(reply_to, claim.deadline, stored)

    def _refuse(self, topic: str, payload: bytes, err: PayloadError) -> None:
        reply_to, correlation_id, deadline = _envelope(payload)
        if reply_to is None or correlation_id is None or not self._reply_topic_ok(reply_to):
            logger.warning("dropping malformed payload on %s: %s", topic, err)
            return
        logger.warning("refusing malformed payload on %s: %s", topic, err)
        now = self._clock()
        reply = ErrorReply(
            correlation_id=correlation_id, reason=Reason.INVALID_REQUEST, detail=str(err)[:500]
        )
        self._send(reply_to, deadline if deadline is not None else now + ERROR_REPLY_TTL_S, reply)

    def _send(self, reply_to: str, deadline: float, message: BaseModel) -> None:
        try:
            reply_if_alive(self._bus, reply_to, deadline, message, now=self._clock)
        except BusError as err:
            logger.warning("reply to %s failed: %s", reply_to, err)

    def _send_bytes(self, reply_to: str, deadline: float, payload: bytes) -> None:
        try:
            reply_bytes_if_alive(self._bus, reply_to, deadline, payload, now=self._clock)
        except BusError as err:
            logger.warning("reply to %s failed: %s", reply_to, err)


def _envelope(payload: bytes) -> tuple[str | None, str | None, float | None]:
    """Best-effort reply_to, correlation_id and deadline from an invalid payload."""
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return None, None, None
    if not isinstance(data, dict):
        return None, None, None
    reply_to, correlation_id, deadline = (
        data.get(k) for k in ("reply_to", "correlation_id", "deadline")
    )
    ok_id = isinstance(correlation_id, str) and 1 <= len(correlation_id) <= 64
    ok_deadline = isinstance(deadline, int | float) and not isinstance(deadline, bool)
    return (
        reply_to if isinstance(reply_to, str) else None,
        correlation_id if ok_id and isinstance(correlation_id, str) else None,
        float(deadline) if ok_deadline and isinstance(deadline, int | float) else None,
    )

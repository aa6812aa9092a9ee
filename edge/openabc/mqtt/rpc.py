"""Request/response over MQTT with the envelope inside the JSON payload.

``correlation_id``, ``reply_to`` and ``deadline`` travel in the message
itself (not as v5 properties) so the same code works on the 3.1.1-only demo
broker. A reply that arrives after its request gave up is dropped and counted:
the caller has already decided (and a kiosk that timed out refers the
traveller), so acting on it later would be wrong.

A request may be resent, byte for byte, while its deadline lasts: a broker
loses a shared subscription's message when the worker holding it dies, so
only the requester can notice and ask again. Servers answer a resend from
their idempotency table; the deadline inside the payload never moves.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel

from openabc.messages import MAX_PAYLOAD_BYTES
from openabc.mqtt.bus import MqttBus
from openabc.mqtt.errors import BusError, RpcTimeout
from openabc.mqtt.payload import parse_payload

__all__ = ["RpcClient", "parse_payload", "reply_bytes_if_alive", "reply_if_alive"]

log = logging.getLogger(__name__)

DEFAULT_MAX_PENDING = 256


@dataclass
class _Pending:
    arrived: threading.Event = field(default_factory=threading.Event)
    reply: bytes = b""


class RpcClient:
    """Sends requests and matches replies on one reply topic by correlation id."""

    def __init__(
        self, bus: MqttBus, reply_topic: str, *, max_pending: int = DEFAULT_MAX_PENDING
    ) -> None:
        self._bus = bus
        self.reply_topic = reply_topic
        self._max_pending = max_pending
        self._lock = threading.Lock()
        self._pending: dict[str, _Pending] = {}
        self.late_replies = 0
        """Replies whose request had timed out or was answered already, or that nobody sent."""
        self.resends = 0
        """Requests published again because no reply came within ``retry_every``."""
        self.malformed_replies = 0
        """Replies without a readable ``correlation_id``."""
        bus.subscribe(reply_topic, self._on_reply, qos=1)

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._pending)

    def request(
        self,
        topic: str,
        build: Callable[[str, float], BaseModel],
        *,
        timeout: float,
        retry_every: float | None = None,
    ) -> bytes:
        """Publish ``build(correlation_id, deadline)`` and return the raw reply.

        ``deadline`` is Unix time (it crosses machines); the wait itself uses
        the monotonic clock. With ``retry_every``, the same bytes are published
        again each time that many seconds pass without a reply, until the
        deadline. Raises ``RpcTimeout`` when no reply came in time,
        ``BusError`` when the first publish failed.
        """
        if retry_every is not None and retry_every <= 0:
            raise ValueError(f"retry_every must be positive, got {retry_every}")
        correlation_id = uuid.uuid4().hex
        give_up = time.monotonic() + timeout
        payload = build(correlation_id, time.time() + timeout).model_dump_json().encode()
        pending = _Pending()
        with self._lock:
            if len(self._pending) >= self._max_pending:
                raise BusError(f"{len(self._pending)} requests already waiting for a reply")
            self._pending[correlation_id] = pending
        try:
            self._publish(topic, payload, timeout, give_up)
            if not self._wait(pending, topic, payload, give_up, retry_every):
                raise RpcTimeout(f"no reply on {self.reply_topic} within {timeout} s")
        finally:
            with self._lock:
                self._pending.pop(correlation_id, None)
        return pending.reply

    def _wait(
        self,
        pending: _Pending,
        topic: str,
        payload: bytes,
        give_up: float,
        retry_every: float | None,
    ) -> bool:
        """Wait for the reply, resending on every ``retry_every``; True when it came."""
        while True:
            remaining = give_up - time.monotonic()
            if remaining <= 0:
                return pending.arrived.is_set()
            slice_s = remaining if retry_every is None else min(retry_every, remaining)
            if pending.arrived.wait(slice_s):
                return True
            if retry_every is None or give_up - time.monotonic() <= 0:
                continue
            self._resend(topic, payload, give_up)

    def _resend(self, topic: str, payload: bytes, give_up: float) -> None:
        remaining = give_up - time.monotonic()
        with self._lock:
            self.resends += 1
        try:
            self._bus.publish(topic, payload, qos=1, expiry_s=remaining, timeout=remaining)
        except BusError as err:  # the next slice may find the connection back
            log.info("resend on %s failed: %s", topic, err)

    def _publish(self, topic: str, payload: bytes, timeout: float, give_up: float) -> None:
        try:
            self._bus.publish(
                topic,
                payload,
                qos=1,
                expiry_s=timeout,
                timeout=max(0.0, give_up - time.monotonic()),
            )
        except BusError as err:
            if time.monotonic() >= give_up:
                raise RpcTimeout(f"request on {topic} not acknowledged within {timeout} s") from err
            raise

    def _on_reply(self, topic: str, payload: bytes) -> None:
        correlation_id = _correlation_id(payload)
        with self._lock:
            if correlation_id is None:
                self.malformed_replies += 1
                log.warning("dropping a reply without correlation_id on %s", topic)
                return
            pending = self._pending.pop(correlation_id, None)
            if pending is None:
                self.late_replies += 1
                log.info("dropping a late or unknown reply on %s", topic)
                return
        pending.reply = payload
        pending.arrived.set()


def _correlation_id(payload: bytes) -> str | None:
    if len(payload) > MAX_PAYLOAD_BYTES:
        return None
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    value = data.get("correlation_id") if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def reply_if_alive(
    bus: MqttBus,
    reply_to: str,
    deadline: float,
    message: BaseModel,
    *,
    now: Callable[[], float],
) -> bool:
    """Publish ``message`` to ``reply_to`` unless ``deadline`` (Unix time) passed.

    Returns False when the reply was dropped because the requester has given
    up. Publishing errors propagate as ``BusError``.
    """
    payload = message.model_dump_json().encode()
    return reply_bytes_if_alive(bus, reply_to, deadline, payload, now=now)


def reply_bytes_if_alive(
    bus: MqttBus,
    reply_to: str,
    deadline: float,
    payload: bytes,
    *,
    now: Callable[[], float],
) -> bool:
    """``reply_if_alive`` for an already serialised reply (e.g. a stored one)."""
    remaining = deadline - now()
    if remaining <= 0:
        log.info("dropping a reply for %s: deadline passed %.3f s ago", reply_to, -remaining)
        return False
    bus.publish(reply_to, payload, qos=1, expiry_s=remaining)
    return True

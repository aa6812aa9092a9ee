"""Request/response over MQTT with the envelope inside the JSON payload.

``correlation_id``, ``reply_to`` and ``deadline`` travel in the message
itself (not as v5 properties) so the same code works on the 3.1.1-only demo
broker. A reply that arrives after its request gave up is dropped and counted:
the caller has already decided (and a kiosk that timed out refers the
traveller), so acting on it later would be wrong.
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

__all__ = ["RpcClient", "parse_payload", "reply_if_alive"]

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
        """Replies whose request had already timed out, or that nobody sent."""
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
    ) -> bytes:
        """Publish ``build(correlation_id, deadline)`` and return the raw reply.

        ``deadline`` is Unix time (it crosses machines); the wait itself uses
        the monotonic clock. Raises ``RpcTimeout`` when no reply came in time,
        ``BusError`` when the request could not be published.
        """
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
            if not pending.arrived.wait(max(0.0, give_up - time.monotonic())):
                raise RpcTimeout(f"no reply on {self.reply_topic} within {timeout} s")
        finally:
            with self._lock:
                self._pending.pop(correlation_id, None)
        return pending.reply

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
    remaining = deadline - now()
    if remaining <= 0:
        log.info("dropping a reply for %s: deadline passed %.3f s ago", reply_to, -remaining)
        return False
    bus.publish(reply_to, message.model_dump_json().encode(), qos=1, expiry_s=remaining)
    return True

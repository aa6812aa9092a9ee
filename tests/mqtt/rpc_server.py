"""A tiny matcher stand-in: acknowledges CrossingReports over the bus."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from openabc.messages import CrossingAck, CrossingReport
from openabc.mqtt.bus import MqttBus
from openabc.mqtt.rpc import parse_payload, reply_if_alive


class AckServer:
    """Replies to every report on ``topic``, optionally after ``delay_s``."""

    def __init__(self, bus: MqttBus, topic: str, *, delay_s: float = 0.0) -> None:
        self._bus = bus
        self._delay_s = delay_s
        self.dropped = 0
        self.handled = threading.Event()
        bus.subscribe(topic, self._on_request)

    def _on_request(self, topic: str, payload: bytes) -> None:
        report = parse_payload(payload, CrossingReport)
        time.sleep(self._delay_s)
        ack = CrossingAck(
            correlation_id=report.correlation_id,
            transaction_id=report.transaction_id,
            recorded=report.crossed,
        )
        if not reply_if_alive(self._bus, report.reply_to, report.deadline, ack, now=time.time):
            self.dropped += 1
        self.handled.set()


def crossing_builder(
    reply_to: str, transaction_id: str = "txn-00000001"
) -> Callable[[str, float], CrossingReport]:
    """``build`` callback for RpcClient.request producing a CrossingReport."""

    def build(correlation_id: str, deadline: float) -> CrossingReport:
        now = time.time()
        return CrossingReport(
            correlation_id=correlation_id,
            reply_to=reply_to,
            deadline=deadline,
            sent_at=now,
            kiosk_id="kiosk-1",
            lane_id="lane-1",
            transaction_id=transaction_id,
            crossed=True,
            crossed_at=now,
        )

    return build

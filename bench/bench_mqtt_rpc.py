"""QoS 1 request/response latency over Mosquitto, TCP_NODELAY on vs off.

Both buses (kiosk and echo server) use the same setting; the broker always
has set_tcp_nodelay. Run: .venv/bin/python bench/bench_mqtt_rpc.py [N]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable

from openabc.config import BrokerSettings
from openabc.messages import CrossingAck, CrossingReport
from openabc.mqtt.broker import MosquittoBroker
from openabc.mqtt.bus import MqttBus
from openabc.mqtt.rpc import RpcClient, parse_payload, reply_if_alive

WARMUP = 20


def _serve(bus: MqttBus, topic: str) -> None:
    def on_request(_topic: str, payload: bytes) -> None:
        report = parse_payload(payload, CrossingReport)
        ack = CrossingAck(
            correlation_id=report.correlation_id,
            transaction_id=report.transaction_id,
            recorded=True,
        )
        reply_if_alive(bus, report.reply_to, report.deadline, ack, now=time.time)

    bus.subscribe(topic, on_request)


def _build(reply_to: str) -> Callable[[str, float], CrossingReport]:
    def build(correlation_id: str, deadline: float) -> CrossingReport:
        now = time.time()
        return CrossingReport(
            correlation_id=correlation_id,
            reply_to=reply_to,
            deadline=deadline,
            sent_at=now,
            kiosk_id="kiosk-1",
            lane_id="lane-1",
            transaction_id="txn-00000001",
            crossed=True,
            crossed_at=now,
        )

    return build


def run(settings: BrokerSettings, *, nodelay: bool, count: int) -> list[float]:
    tag = "on" if nodelay else "off"
    server = MqttBus(settings, client_id=f"bench-server-{tag}", tcp_nodelay=nodelay)
    kiosk = MqttBus(settings, client_id=f"bench-kiosk-{tag}", tcp_nodelay=nodelay)
    try:
        server.connect()
        kiosk.connect()
        assert server.tcp_nodelay_active is nodelay and kiosk.tcp_nodelay_active is nodelay
        _serve(server, f"bench/{tag}/request")
        rpc = RpcClient(kiosk, f"bench/{tag}/reply")
        build = _build(rpc.reply_topic)
        samples = []
        for i in range(WARMUP + count):
            started = time.perf_counter()
            rpc.request(f"bench/{tag}/request", build, timeout=5)
            if i >= WARMUP:
                samples.append((time.perf_counter() - started) * 1000)
        return samples
    finally:
        kiosk.close()
        server.close()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    with MosquittoBroker() as broker:
        settings = BrokerSettings(host=broker.host, port=broker.port)
        for nodelay in (False, True):
            samples = run(settings, nodelay=nodelay, count=count)
            quantiles = statistics.quantiles(samples, n=100)
            print(
                f"TCP_NODELAY {'on ' if nodelay else 'off'}: n={len(samples)} "
                f"p50={quantiles[49]:.2f} ms p95={quantiles[94]:.2f} ms "
                f"max={max(samples):.2f} ms"
            )


if __name__ == "__main__":
    main()

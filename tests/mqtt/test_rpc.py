"""Request/response over a real Mosquitto, with timeouts and late replies."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from openabc.config import BrokerSettings
from openabc.messages import CrossingAck, CrossingReport
from openabc.mqtt.errors import BusError, RpcTimeout
from openabc.mqtt.rpc import RpcClient, parse_payload, reply_if_alive

from .conftest import BusFactory, Inbox, wait_until
from .rpc_server import AckServer, crossing_builder

pytestmark = pytest.mark.mosquitto


def test_request_gets_its_reply(broker_settings: BrokerSettings, make_bus: BusFactory) -> None:
    AckServer(make_bus(broker_settings), "rpc/echo/request")
    rpc = RpcClient(make_bus(broker_settings), "rpc/echo/kiosk-1/reply")

    raw = rpc.request(
        "rpc/echo/request",
        crossing_builder(rpc.reply_topic, "txn-abcdef01"),
        timeout=5,
    )

    ack = parse_payload(raw, CrossingAck)
    assert ack.transaction_id == "txn-abcdef01"
    assert ack.recorded is True
    assert rpc.pending == 0
    assert rpc.late_replies == 0


def test_concurrent_requests_are_matched_by_correlation_id(
    broker_settings: BrokerSettings, make_bus: BusFactory
) -> None:
    AckServer(make_bus(broker_settings), "rpc/many/request")
    rpc = RpcClient(make_bus(broker_settings), "rpc/many/reply")

    def one(n: int) -> str:
        raw = rpc.request(
            "rpc/many/request", crossing_builder(rpc.reply_topic, f"txn-{n:08d}"), timeout=5
        )
        return parse_payload(raw, CrossingAck).transaction_id

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(40)))

    assert results == [f"txn-{n:08d}" for n in range(40)]


def test_timeout_when_nobody_answers(broker_settings: BrokerSettings, make_bus: BusFactory) -> None:
    rpc = RpcClient(make_bus(broker_settings), "rpc/silent/reply")
    started = time.monotonic()

    with pytest.raises(RpcTimeout):
        rpc.request("rpc/silent/request", crossing_builder(rpc.reply_topic), timeout=0.5)

    elapsed = time.monotonic() - started
    assert 0.5 <= elapsed < 0.7
    assert rpc.pending == 0


def test_late_reply_is_dropped_and_counted(
    broker_settings: BrokerSettings, make_bus: BusFactory
) -> None:
    # The server answers after 0.6 s but with its deadline check off, as a
    # matcher whose clock runs behind would: the client must drop it itself.
    server_bus = make_bus(broker_settings)
    inbox = Inbox()
    server_bus.subscribe("rpc/late/request", inbox)
    rpc = RpcClient(make_bus(broker_settings), "rpc/late/reply")

    with pytest.raises(RpcTimeout):
        rpc.request("rpc/late/request", crossing_builder(rpc.reply_topic), timeout=0.3)

    _, request = inbox.get()
    report = parse_payload(request, CrossingReport)
    ack = CrossingAck(
        correlation_id=report.correlation_id, transaction_id=report.transaction_id, recorded=True
    )
    assert reply_if_alive(server_bus, report.reply_to, time.time() + 60, ack, now=time.time)
    wait_until(lambda: rpc.late_replies == 1)


def test_server_drops_reply_after_deadline(
    broker_settings: BrokerSettings, make_bus: BusFactory
) -> None:
    server = AckServer(make_bus(broker_settings), "rpc/slow/request", delay_s=0.5)
    rpc = RpcClient(make_bus(broker_settings), "rpc/slow/reply")

    with pytest.raises(RpcTimeout):
        rpc.request("rpc/slow/request", crossing_builder(rpc.reply_topic), timeout=0.2)

    assert server.handled.wait(5)
    assert server.dropped == 1
    assert rpc.late_replies == 0


def test_reply_if_alive_uses_the_given_clock(
    broker_settings: BrokerSettings, make_bus: BusFactory
) -> None:
    bus = make_bus(broker_settings)
    inbox = Inbox()
    bus.subscribe("rpc/clock/reply", inbox)
    ack = CrossingAck(correlation_id="c" * 32, transaction_id="txn-00000001", recorded=True)

    assert not reply_if_alive(bus, "rpc/clock/reply", 100.0, ack, now=lambda: 100.5)
    assert reply_if_alive(bus, "rpc/clock/reply", 100.0, ack, now=lambda: 99.0)
    assert parse_payload(inbox.get()[1], CrossingAck) == ack
    assert inbox.empty_for(0.2)


def test_unknown_and_malformed_replies_are_counted(
    broker_settings: BrokerSettings, make_bus: BusFactory
) -> None:
    bus = make_bus(broker_settings)
    rpc = RpcClient(bus, "rpc/junk/reply")
    bus.publish("rpc/junk/reply", b'{"correlation_id": "nobody-asked"}')
    bus.publish("rpc/junk/reply", b"not json")
    bus.publish("rpc/junk/reply", b'{"correlation_id": 7}')

    wait_until(lambda: rpc.late_replies == 1 and rpc.malformed_replies == 2)


def test_pending_table_is_bounded(broker_settings: BrokerSettings, make_bus: BusFactory) -> None:
    rpc = RpcClient(make_bus(broker_settings), "rpc/bounded/reply", max_pending=2)

    def wait_forever() -> None:
        with pytest.raises(RpcTimeout):
            rpc.request("rpc/bounded/request", crossing_builder(rpc.reply_topic), timeout=1.0)

    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(wait_forever) for _ in range(2)]
        wait_until(lambda: rpc.pending == 2)
        with pytest.raises(BusError, match="already waiting"):
            rpc.request("rpc/bounded/request", crossing_builder(rpc.reply_topic), timeout=1.0)
        for future in futures:
            future.result()


def test_resend_gets_the_reply_the_first_send_lost(
    broker_settings: BrokerSettings, make_bus: BusFactory
) -> None:
    # A server that swallows the first copy, as a worker killed holding it would.
    server_bus = make_bus(broker_settings)
    seen: list[bytes] = []

    def forgetful(_topic: str, payload: bytes) -> None:
        seen.append(payload)
        if len(seen) == 1:
            return
        report = parse_payload(payload, CrossingReport)
        ack = CrossingAck(
            correlation_id=report.correlation_id,
            transaction_id=report.transaction_id,
            recorded=True,
        )
        reply_if_alive(server_bus, report.reply_to, report.deadline, ack, now=time.time)

    server_bus.subscribe("rpc/resend/request", forgetful)
    rpc = RpcClient(make_bus(broker_settings), "rpc/resend/reply")

    raw = rpc.request(
        "rpc/resend/request", crossing_builder(rpc.reply_topic), timeout=3, retry_every=0.2
    )

    assert parse_payload(raw, CrossingAck).recorded
    assert rpc.resends == 1
    assert len(seen) == 2
    assert seen[0] == seen[1]  # same bytes: same correlation id and the original deadline


def test_resends_stop_at_the_deadline(
    broker_settings: BrokerSettings, make_bus: BusFactory
) -> None:
    server_bus = make_bus(broker_settings)
    inbox = Inbox()
    server_bus.subscribe("rpc/resend-silent/request", inbox)
    rpc = RpcClient(make_bus(broker_settings), "rpc/resend-silent/reply")
    started = time.monotonic()

    with pytest.raises(RpcTimeout):
        rpc.request(
            "rpc/resend-silent/request",
            crossing_builder(rpc.reply_topic),
            timeout=0.5,
            retry_every=0.2,
        )

    assert 0.5 <= time.monotonic() - started < 0.8
    assert rpc.resends == 2
    copies = {inbox.get()[1] for _ in range(3)}
    assert len(copies) == 1
    assert inbox.empty_for(0.4)
    assert rpc.pending == 0

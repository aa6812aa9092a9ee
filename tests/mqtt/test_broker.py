"""Local broker processes: ports, restart, missing binary, amqtt on 3.1.1."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from openabc.config import BrokerSettings
from openabc.messages import CrossingAck
from openabc.mqtt.broker import (
    EmbeddedBroker,
    MosquittoBroker,
    find_mosquitto,
    start_default_broker,
)
from openabc.mqtt.errors import BrokerNotFoundError, BusConnectError
from openabc.mqtt.rpc import RpcClient, parse_payload

from .conftest import BusFactory
from .rpc_server import AckServer, crossing_builder


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def amqtt_broker() -> Iterator[EmbeddedBroker]:
    pytest.importorskip("amqtt")
    with EmbeddedBroker() as broker:
        yield broker


def test_missing_binary_is_a_clear_error() -> None:
    with pytest.raises(BrokerNotFoundError, match="install it"):
        MosquittoBroker(binary="/nonexistent/mosquitto")


@pytest.mark.mosquitto
def test_mosquitto_stop_kill_restart_keep_the_port(fresh_mosquitto: MosquittoBroker) -> None:
    host, port = fresh_mosquitto.host, fresh_mosquitto.port
    assert host == "127.0.0.1" and _accepts(host, port)
    fresh_mosquitto.kill()
    assert not _accepts(host, port)
    fresh_mosquitto.start()
    assert fresh_mosquitto.port == port and _accepts(host, port)
    fresh_mosquitto.restart()
    assert _accepts(host, port)
    fresh_mosquitto.stop()
    assert not fresh_mosquitto.is_running and not _accepts(host, port)


def test_embedded_broker_speaks_311_and_serves_rpc(
    amqtt_broker: EmbeddedBroker, make_bus: BusFactory
) -> None:
    settings = BrokerSettings(host=amqtt_broker.host, port=amqtt_broker.port)  # protocol auto
    server_bus = make_bus(settings, availability_topic="amqtt/matcher/available")
    AckServer(server_bus, "amqtt/request")
    kiosk_bus = make_bus(settings)
    rpc = RpcClient(kiosk_bus, "amqtt/kiosk/reply")

    raw = rpc.request("amqtt/request", crossing_builder(rpc.reply_topic), timeout=5)

    assert kiosk_bus.is_v5 is False and server_bus.is_v5 is False
    assert parse_payload(raw, CrossingAck).recorded is True


def test_start_default_broker_prefers_mosquitto() -> None:
    try:
        find_mosquitto()
        expected: type = MosquittoBroker
    except BrokerNotFoundError:
        expected = EmbeddedBroker
    broker = start_default_broker()
    try:
        assert isinstance(broker, expected)
        assert _accepts(broker.host, broker.port)
    finally:
        broker.close()


def test_embedded_broker_refuses_forced_v5(
    amqtt_broker: EmbeddedBroker, make_bus: BusFactory
) -> None:
    settings = BrokerSettings(host=amqtt_broker.host, port=amqtt_broker.port, protocol="v5")
    bus = make_bus(settings, connect=False)
    with pytest.raises(BusConnectError, match="(?i)unsupported protocol"):
        bus.connect(timeout=3)

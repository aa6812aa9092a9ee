"""MqttBus against a real Mosquitto: delivery, availability, reconnects."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from openabc.config import BrokerSettings
from openabc.messages import MAX_PAYLOAD_BYTES
from openabc.mqtt.broker import MosquittoBroker, free_port
from openabc.mqtt.errors import BusConnectError, BusError
from openabc.topics import OFFLINE, ONLINE

from .conftest import BusFactory, Inbox, wait_until

pytestmark = pytest.mark.mosquitto

CHILD = Path(__file__).with_name("bus_child.py")


@pytest.mark.parametrize(("protocol", "expect_v5"), [("auto", True), ("v5", True), ("v311", False)])
def test_publish_subscribe_round_trip(
    mosquitto: MosquittoBroker, make_bus: BusFactory, protocol: str, expect_v5: bool
) -> None:
    settings = BrokerSettings(host=mosquitto.host, port=mosquitto.port, protocol=protocol)
    sender, receiver = make_bus(settings), make_bus(settings)
    inbox = Inbox()
    receiver.subscribe(f"rt/{protocol}/+", inbox)

    sender.publish(f"rt/{protocol}/a", b"\x00payload\xff")

    assert inbox.get() == (f"rt/{protocol}/a", b"\x00payload\xff")
    assert sender.is_v5 is expect_v5
    assert receiver.is_connected


def test_tcp_nodelay_read_back_from_socket(
    broker_settings: BrokerSettings, make_bus: BusFactory
) -> None:
    assert make_bus(broker_settings).tcp_nodelay_active is True
    assert make_bus(broker_settings, tcp_nodelay=False).tcp_nodelay_active is False


def test_retained_online_then_offline_on_close(
    broker_settings: BrokerSettings, make_bus: BusFactory
) -> None:
    topic = "avail/clean-close"
    kiosk = make_bus(broker_settings, availability_topic=topic)
    watcher_inbox = Inbox()
    # Subscribing after the kiosk connected: only a retained message can arrive.
    make_bus(broker_settings).subscribe(topic, watcher_inbox)
    assert watcher_inbox.get() == (topic, ONLINE)

    kiosk.close()

    assert watcher_inbox.get() == (topic, OFFLINE)
    late_inbox = Inbox()
    make_bus(broker_settings).subscribe(topic, late_inbox)
    assert late_inbox.get() == (topic, OFFLINE)


def test_last_will_offline_when_process_is_killed(
    broker_settings: BrokerSettings, make_bus: BusFactory
) -> None:
    topic = "avail/killed"
    child = subprocess.Popen(
        [
            sys.executable,
            str(CHILD),
            broker_settings.host,
            str(broker_settings.port),
            "will-child",
            topic,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        inbox = Inbox()
        make_bus(broker_settings).subscribe(topic, inbox)
        assert inbox.get() == (topic, ONLINE)

        child.kill()  # SIGKILL: no DISCONNECT, the broker sees the socket die
        child.wait(5)

        assert inbox.get(timeout=5) == (topic, OFFLINE)
    finally:
        child.kill()
        child.wait(5)
    late_inbox = Inbox()
    make_bus(broker_settings).subscribe(topic, late_inbox)
    assert late_inbox.get() == (topic, OFFLINE), "the will must be retained"


def test_resubscribes_and_says_online_after_broker_restart(
    fresh_mosquitto: MosquittoBroker, make_bus: BusFactory
) -> None:
    settings = BrokerSettings(host=fresh_mosquitto.host, port=fresh_mosquitto.port)
    inbox = Inbox()
    receiver = make_bus(settings, availability_topic="avail/restart")
    receiver.subscribe("restart/topic", inbox)

    fresh_mosquitto.restart()  # persistence off: subscriptions and retained are gone
    wait_until(lambda: receiver.is_connected, timeout=15)

    sender = make_bus(settings)
    sender.publish("restart/topic", b"after restart")
    assert inbox.get() == ("restart/topic", b"after restart")
    watcher = Inbox()
    sender.subscribe("avail/restart", watcher)
    assert watcher.get() == ("avail/restart", ONLINE)


def test_publish_raises_when_broker_is_gone(
    fresh_mosquitto: MosquittoBroker, make_bus: BusFactory
) -> None:
    bus = make_bus(BrokerSettings(host=fresh_mosquitto.host, port=fresh_mosquitto.port))
    fresh_mosquitto.kill()
    wait_until(lambda: not bus.is_connected, timeout=5)

    with pytest.raises(BusError, match="not connected"):
        bus.publish("gone/topic", b"x", timeout=1)


def test_handler_exception_does_not_stop_delivery(
    broker_settings: BrokerSettings, make_bus: BusFactory
) -> None:
    inbox = Inbox()

    def flaky(topic: str, payload: bytes) -> None:
        if payload == b"bad":
            raise ValueError("handler bug")
        inbox(topic, payload)

    bus = make_bus(broker_settings)
    bus.subscribe("flaky/topic", flaky)
    bus.publish("flaky/topic", b"bad")
    bus.publish("flaky/topic", b"good")

    assert inbox.get() == ("flaky/topic", b"good")


def test_oversize_publish_is_refused(broker_settings: BrokerSettings, make_bus: BusFactory) -> None:
    bus = make_bus(broker_settings)
    bus.publish("size/topic", b"x" * MAX_PAYLOAD_BYTES)
    with pytest.raises(BusError, match="exceeds"):
        bus.publish("size/topic", b"x" * (MAX_PAYLOAD_BYTES + 1))


def test_wildcard_publish_topic_is_a_bus_error(
    broker_settings: BrokerSettings, make_bus: BusFactory
) -> None:
    with pytest.raises(BusError):
        make_bus(broker_settings).publish("a/+/b", b"x")


def test_v5_message_expiry_is_sent(broker_settings: BrokerSettings, make_bus: BusFactory) -> None:
    bus = make_bus(broker_settings)
    assert bus.is_v5
    bus.publish("expiry/short", b"stale soon", retain=True, expiry_s=1)
    bus.publish("expiry/none", b"kept", retain=True)
    time.sleep(2.2)

    inbox = Inbox()
    make_bus(broker_settings).subscribe("expiry/#", inbox)

    assert inbox.get() == ("expiry/none", b"kept")
    assert inbox.empty_for(0.5), "the expired retained message must not be delivered"


def test_connect_gives_up_after_timeout_without_broker(make_bus: BusFactory) -> None:
    settings = BrokerSettings(host="127.0.0.1", port=free_port())
    bus = make_bus(settings, connect=False)
    started = time.monotonic()
    with pytest.raises(BusConnectError):
        bus.connect(timeout=1.0)
    assert time.monotonic() - started < 2.5
    assert not bus.is_connected


def test_free_port_is_bindable() -> None:
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))

"""Helpers for MQTT tests: a message inbox and buses closed after each test."""

from __future__ import annotations

import itertools
import queue
import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from openabc.config import BrokerSettings
from openabc.mqtt.bus import MqttBus

BusFactory = Callable[..., MqttBus]


class Inbox:
    """A thread-safe handler that records (topic, payload) for assertions."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[str, bytes]] = queue.Queue()

    def __call__(self, topic: str, payload: bytes) -> None:
        self._queue.put((topic, payload))

    def get(self, timeout: float = 5.0) -> tuple[str, bytes]:
        return self._queue.get(timeout=timeout)

    def wait_for(self, payload: bytes, timeout: float = 5.0) -> None:
        """Skip other messages until ``payload`` arrives (or fail)."""
        while True:
            _, got = self.get(timeout)
            if got == payload:
                return

    def empty_for(self, seconds: float) -> bool:
        try:
            self._queue.get(timeout=seconds)
        except queue.Empty:
            return True
        return False


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "condition not met in time"
        time.sleep(0.02)


@pytest.fixture
def make_bus() -> Iterator[BusFactory]:
    """Create connected buses with unique client ids; all closed at teardown."""
    buses: list[MqttBus] = []
    ids = itertools.count()
    prefix = uuid.uuid4().hex[:8]

    def factory(settings: BrokerSettings, *, connect: bool = True, **kwargs: object) -> MqttBus:
        kwargs.setdefault("client_id", f"test-{prefix}-{next(ids)}")
        bus = MqttBus(settings, **kwargs)  # type: ignore[arg-type]
        buses.append(bus)
        if connect:
            bus.connect(timeout=10)
        return bus

    yield factory
    for bus in buses:
        bus.close()

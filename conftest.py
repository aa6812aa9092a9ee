"""Fixtures shared by tests/ and hil-tests/: a real Mosquitto broker on a free loopback port.

In CI (``CI=true``) a missing broker is a failure, not a skip: .ci/run installs it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from openabc.config import BrokerSettings
from openabc.fingerprint.extractor import ExtractorUnavailable, MinutiaeExtractor
from openabc.mqtt.broker import MosquittoBroker, find_mosquitto
from openabc.mqtt.errors import BrokerNotFoundError
from openabc.runtime.postgres import PostgresNotFoundError, PostgresServer


def _mosquitto_or_skip() -> MosquittoBroker:
    try:
        find_mosquitto()
    except BrokerNotFoundError as err:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"mosquitto binary not installed: {err}")
    return MosquittoBroker()


@pytest.fixture(scope="session")
def mosquitto() -> Iterator[MosquittoBroker]:
    """One Mosquitto for the whole session; tests must not stop it."""
    with _mosquitto_or_skip() as broker:
        yield broker


@pytest.fixture
def fresh_mosquitto() -> Iterator[MosquittoBroker]:
    """A Mosquitto of the test's own, free to stop, kill or restart."""
    with _mosquitto_or_skip() as broker:
        yield broker


@pytest.fixture
def broker_settings(mosquitto: MosquittoBroker) -> BrokerSettings:
    return BrokerSettings(host=mosquitto.host, port=mosquitto.port)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server (Debian package) on a free loopback port."""
    try:
        server = PostgresServer()
    except PostgresNotFoundError as err:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"PostgreSQL server not installed: {err}")
    with server:
        yield server


@pytest.fixture(scope="session")
def extractor() -> MinutiaeExtractor:
    """The NBIS minutiae extractor; ``make setup`` builds it, and under CI its absence fails."""
    try:
        return MinutiaeExtractor()
    except ExtractorUnavailable as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"afis native library not built: {exc}")

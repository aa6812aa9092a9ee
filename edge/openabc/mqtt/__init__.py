"""MQTT transport: a reconnecting bus, request/response on top, local brokers."""

from openabc.mqtt.errors import (
    BrokerError,
    BrokerNotFoundError,
    BusConnectError,
    BusError,
    PayloadError,
    RpcTimeout,
)

__all__ = [
    "BrokerError",
    "BrokerNotFoundError",
    "BusConnectError",
    "BusError",
    "PayloadError",
    "RpcTimeout",
]

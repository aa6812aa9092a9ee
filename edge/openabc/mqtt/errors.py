"""Exceptions of the MQTT layer, so callers can tell 'no answer' from 'bad answer'."""

from __future__ import annotations


class BusError(Exception):
    """The bus could not deliver: not connected, PUBACK missing or refused."""


class BusConnectError(BusError):
    """The broker could not be reached or refused the connection."""


class RpcTimeout(BusError, TimeoutError):
    """No reply arrived before the request's deadline."""


class PayloadError(ValueError):
    """A payload is too large, not JSON, or not the expected schema.

    Messages name the model, the schema version and the failing fields only,
    never the payload's contents (they may hold personal data).
    """


class BrokerError(RuntimeError):
    """A local broker process could not be started or stopped."""


class BrokerNotFoundError(BrokerError, FileNotFoundError):
    """The broker binary is not installed."""

"""Errors raised by the gate link (kiosk <-> gate controller)."""

from __future__ import annotations


class GateLinkError(Exception):
    """The gate did not do what was asked; the exit must be presumed shut."""


class GateTimeout(GateLinkError):
    """No acknowledgement / event within the allotted time (after retries)."""


class GateNak(GateLinkError):
    """The gate refused a command (NAK with a reason code)."""

    def __init__(self, command: str, reason: int, reason_name: str) -> None:
        super().__init__(f"gate refused {command}: {reason_name} ({reason})")
        self.command = command
        self.reason = reason
        self.reason_name = reason_name


class GateClosed(GateLinkError):
    """The link was closed or the serial port failed."""

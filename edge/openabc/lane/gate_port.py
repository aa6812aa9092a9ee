"""Adapts the serial ``GateLink`` to the lane's ``GatePort``."""

from __future__ import annotations

from openabc.hal.gate_errors import GateTimeout
from openabc.hal.gate_link import GateLink

DOOR_CLOSE_GRACE_S = 3.0


class GateLinkPort:
    """Exit door commands and passage events over the lane link."""

    def __init__(self, link: GateLink) -> None:
        self._link = link

    def open_exit(self, transaction_id: bytes, window_ms: int) -> None:
        self._link.events()  # drop events of earlier travellers before this one
        self._link.open_exit(transaction_id, window_ms)

    def wait_passage(self, timeout: float) -> bool:
        """True only for a passage followed by the exit closing again."""
        try:
            self._link.wait_event("traveller_passed", timeout)
            self._link.wait_event("door_closed", DOOR_CLOSE_GRACE_S)
        except GateTimeout:
            return False
        return True

    def lock(self) -> None:
        self._link.lock()

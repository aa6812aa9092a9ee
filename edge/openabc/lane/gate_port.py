"""Adapts the serial ``GateLink`` to the lane's ``GatePort``."""

from __future__ import annotations

import logging
import time

from openabc.hal.gate_errors import GateLinkError, GateTimeout
from openabc.hal.gate_link import GateLink

logger = logging.getLogger(__name__)

DOOR_CLOSE_GRACE_S = 3.0
_POLL_S = 0.25


class PassageUnknownError(GateLinkError):
    """The link failed while the exit was open: nobody can tell whether the traveller crossed."""


class GateLinkPort:
    """Exit door commands and passage events over the lane link."""

    def __init__(self, link: GateLink) -> None:
        self._link = link

    def open_exit(self, transaction_id: bytes, window_ms: int) -> None:
        self._link.events()  # drop events of earlier travellers before this one
        self._link.open_exit(transaction_id, window_ms)

    def wait_passage(self, timeout: float) -> bool:
        """True once the traveller passed; False only if the gate, heard throughout, saw nobody.

        A silent link during the wait makes "no event" meaningless (the event
        may have been lost), so that case raises ``PassageUnknownError`` instead
        of claiming the traveller did not cross.
        """
        deadline = time.monotonic() + timeout
        link_interrupted = False
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                if link_interrupted or not self._link.gate_alive:
                    raise PassageUnknownError("gate link lost while the exit was open")
                return False
            try:
                self._link.wait_event("traveller_passed", min(_POLL_S, left))
                break
            except GateTimeout:
                link_interrupted = link_interrupted or not self._link.gate_alive
        try:
            self._link.wait_event("door_closed", DOOR_CLOSE_GRACE_S)
        except GateLinkError:
            logger.error("gate did not report the exit closed after a passage; locking")
            self.lock()
        return True

    def lock(self) -> None:
        self._link.lock()

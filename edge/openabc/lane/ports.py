"""The narrow interfaces the lane service drives.

The lane never knows whether the gate is a MicroPython MCU on a pty or a real
board on /dev/ttyUSB0, or whether decisions come over MQTT or from a test
double: it only sees these protocols.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np

from openabc.hal.base import DocumentScan, Frame
from openabc.messages import (
    CrossingAck,
    FaceTemplate,
    FingerprintTemplate,
    MatchResponse,
    TravelDocument,
)

if TYPE_CHECKING:
    from openabc.lane.face_capture import LiveFace


class FaceTemplater(Protocol):
    """Turns one RGB image into a face template; ``FaceCaptureError`` if not exactly one face."""

    def template(self, image: np.ndarray) -> tuple[FaceTemplate, float]:
        """Return the template and the detection confidence."""
        ...


class GatePort(Protocol):
    """The exit door as the lane sees it."""

    def open_exit(self, transaction_id: bytes, window_ms: int) -> None:
        """Open the exit for one traveller; raises if the gate did not acknowledge."""
        ...

    def wait_passage(self, timeout: float) -> bool:
        """True once the beams report the traveller passed and the door closed."""
        ...

    def lock(self) -> None:
        """Force the exit shut (best effort, used on every error path)."""
        ...


class MatcherPort(Protocol):
    """The regional matcher as the lane sees it."""

    def check(
        self,
        *,
        document: TravelDocument,
        live_face: FaceTemplate,
        portrait_face: FaceTemplate,
        fingers: tuple[FingerprintTemplate, ...] = (),
        timeout: float,
    ) -> MatchResponse:
        """Ask for an entry decision; raises on timeout or an error reply."""
        ...

    def report_crossing(
        self, *, transaction_id: str, crossed: bool, crossed_at: float, timeout: float
    ) -> CrossingAck:
        """Tell the matcher the traveller crossed; raises unless acknowledged."""
        ...


class ChipVerifier(Protocol):
    """Passive authentication of the document chip (``lane.chip_check.ChipCheck``)."""

    def verify(self, scan: DocumentScan, printed_mrz: str) -> Frame | None:
        """The authenticated DG2 portrait, decoded; None when no chip is required and none came.

        Raises ``Referral`` with the precise reasons otherwise.
        """
        ...


class LiveFaceCapture(Protocol):
    """Camera capture until quality passes, PAD veto, embed (``lane.face_capture``)."""

    def capture(self, session_images: list[np.ndarray]) -> LiveFace:
        """Append every frame to ``session_images``; raise ``Referral`` on failure."""
        ...


class FingerCapturePort(Protocol):
    """Four-finger slap capture and templating (``lane.finger_capture``)."""

    def capture(self, session_images: list[np.ndarray]) -> tuple[FingerprintTemplate, ...]:
        """Append every image to ``session_images``; raise ``Referral`` on failure."""
        ...

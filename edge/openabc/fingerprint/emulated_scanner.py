"""The scanner interface and an emulator that serves synthetic fingers.

The emulator gives each (subject seed, finger) a stable master print, and each
capture a fresh impression of it, so enrolment and verification can run end to
end without hardware or real biometric data.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from openabc.fingerprint.impression import CaptureConditions, render_impression
from openabc.fingerprint.master_print import MasterPrint, generate_master
from openabc.fingerprint.types import (
    DEFAULT_PPI,
    Finger,
    FingerImage,
    Hand,
    SlapImage,
    slap_fingers,
)

SLAP_HEIGHT = 1000
SLAP_WIDTH = 1600
# Top-left corner of each fingertip, index to little for a right hand
# (middle finger highest, little finger lowest, as on a real slap).
_SLAP_SLOTS = ((250, 40), (110, 420), (190, 800), (400, 1180))


class FingerprintScanner(Protocol):
    """What the kiosk needs from a fingerprint scanner, real or emulated."""

    def capture_slap(self, timeout: float, hand: Hand = Hand.RIGHT) -> SlapImage: ...

    def capture_flat(self, finger: Finger, timeout: float) -> FingerImage: ...


class EmulatedFingerprintScanner:
    """Serves impressions of one synthetic subject's ten fingers.

    Identity depends only on ``subject_seed`` and the finger; captures depend
    also on ``capture_seed`` and the capture count, so a re-run is identical.
    """

    def __init__(
        self,
        subject_seed: int,
        capture_seed: int = 0,
        conditions: CaptureConditions | None = None,
    ) -> None:
        self._subject_seed = subject_seed
        self._capture_seed = capture_seed
        self._conditions = conditions or CaptureConditions()
        self._masters: dict[Finger, MasterPrint] = {}
        self._count = 0

    def master(self, finger: Finger) -> MasterPrint:
        """The finger's master print (cached: growing one takes ~0.3 s)."""
        if finger not in self._masters:
            self._masters[finger] = generate_master(int(finger), self._subject_seed)
        return self._masters[finger]

    def _next_rng(self) -> np.random.Generator:
        self._count += 1
        seq = np.random.SeedSequence([self._subject_seed, self._capture_seed, self._count, 7])
        return np.random.default_rng(seq)

    def capture_flat(self, finger: Finger, timeout: float) -> FingerImage:
        _check_timeout(timeout)
        img = render_impression(self.master(finger), self._next_rng(), self._conditions)
        return FingerImage(finger=finger, pixels=img, ppi=DEFAULT_PPI)

    def capture_slap(self, timeout: float, hand: Hand = Hand.RIGHT) -> SlapImage:
        _check_timeout(timeout)
        rng = self._next_rng()
        canvas = np.full((SLAP_HEIGHT, SLAP_WIDTH), 245.0)
        canvas += rng.normal(0.0, self._conditions.noise_sigma, size=canvas.shape)
        for finger, (top, left) in zip(slap_fingers(hand), _SLAP_SLOTS, strict=True):
            tip = render_impression(self.master(finger), rng, self._conditions)
            h, w = tip.shape
            if hand is Hand.LEFT:  # mirror the layout, never the ridges
                left = SLAP_WIDTH - left - w
            region = canvas[top : top + h, left : left + w]
            np.minimum(region, tip.astype(np.float64), out=region)
        pixels = np.clip(canvas, 0, 255).astype(np.uint8)
        return SlapImage(hand=hand, pixels=pixels, ppi=DEFAULT_PPI)


def _check_timeout(timeout: float) -> None:
    if timeout <= 0:
        raise TimeoutError("no finger presented before the timeout")

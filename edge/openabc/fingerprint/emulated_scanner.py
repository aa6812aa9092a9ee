"""The scanner interface and an emulator that serves synthetic fingers.

The emulator gives each (subject seed, finger) a stable master print, and each
capture a fresh impression of it, so enrolment and verification can run end to
end without hardware or real biometric data.  One scanner serves a lane, so
travellers step up and leave (``present`` / ``present_nobody``) without a new
object, and faults can be injected to exercise the kiosk's error paths.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import Literal, Protocol

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
from openabc.hal.device_errors import DeviceError, DeviceTimeout

SLAP_HEIGHT = 1000
SLAP_WIDTH = 1600
# Top-left corner of each fingertip, index to little for a right hand
# (middle finger highest, little finger lowest, as on a real slap).
_SLAP_SLOTS = ((250, 40), (110, 420), (190, 800), (400, 1180))
_MASTER_CACHE_SIZE = 256  # ~1.3 MB each: bounded, yet holds every finger a test suite uses

Fault = Literal["timeout", "device_error", "smudged"]


class ScannerTimeout(DeviceTimeout, TimeoutError):
    """No finger was placed on the platen before the timeout."""


class ScannerFault(DeviceError):
    """The scanner itself failed (USB reset, platen heater, firmware error)."""


class FingerprintScanner(Protocol):
    """What the kiosk needs from a fingerprint scanner, real or emulated.

    Captures raise :class:`ScannerTimeout` (also a ``TimeoutError``) when no
    finger arrives and another ``DeviceError`` when the device fails.
    """

    def capture_slap(self, timeout: float, hand: Hand = Hand.RIGHT) -> SlapImage: ...

    def capture_flat(self, finger: Finger, timeout: float) -> FingerImage: ...


_masters: OrderedDict[tuple[int, int], MasterPrint] = OrderedDict()
_masters_lock = threading.Lock()


def master_print(subject_seed: int, finger: Finger) -> MasterPrint:
    """The finger's master print, shared by every scanner of the process.

    Growing one takes ~0.3 s; a lane, the seeder and the tests present the same
    synthetic travellers again and again, so masters are kept (LRU-bounded).
    """
    key = (subject_seed, int(finger))
    with _masters_lock:
        if key in _masters:
            _masters.move_to_end(key)
            return _masters[key]
    master = generate_master(int(finger), subject_seed)
    with _masters_lock:
        _masters[key] = master
        while len(_masters) > _MASTER_CACHE_SIZE:
            _masters.popitem(last=False)
    return master


class EmulatedFingerprintScanner:
    """Serves impressions of the presented synthetic subject's ten fingers.

    Identity depends only on ``subject_seed`` and the finger; captures depend
    also on ``capture_seed`` and the capture count, so a re-run is identical.
    ``subject_seed=None`` starts with an empty platen.
    """

    def __init__(
        self,
        subject_seed: int | None,
        capture_seed: int = 0,
        conditions: CaptureConditions | None = None,
    ) -> None:
        self._subject_seed = subject_seed
        self._capture_seed = capture_seed
        self._default_conditions = conditions or CaptureConditions()
        self._conditions = self._default_conditions
        self._count = 0
        self._faults: list[tuple[Fault, frozenset[Finger] | None]] = []

    def present(self, subject_seed: int, conditions: CaptureConditions | None = None) -> None:
        """A traveller steps up (``conditions``: e.g. dry fingers, for this one only)."""
        self._subject_seed = subject_seed
        self._conditions = conditions or self._default_conditions

    def present_nobody(self) -> None:
        """The traveller left: captures time out until the next ``present``."""
        self._subject_seed = None
        self._conditions = self._default_conditions
        self._faults.clear()

    def inject_fault(self, fault: Fault, fingers: Iterable[Finger] | None = None) -> None:
        """Make the next capture time out, fail, or come out smudged.

        ``smudged`` renders the next capture with :meth:`CaptureConditions.degraded`
        (only ``fingers`` of a slap, when given), which quality control must flag.
        """
        if fault not in ("timeout", "device_error", "smudged"):
            raise ValueError(f"unknown fault {fault!r}")
        self._faults.append((fault, None if fingers is None else frozenset(fingers)))

    def master(self, finger: Finger) -> MasterPrint:
        """The presented subject's master print of ``finger``."""
        if self._subject_seed is None:
            raise ScannerTimeout("no subject is presented")
        return master_print(self._subject_seed, finger)

    def _next_rng(self) -> np.random.Generator:
        self._count += 1
        seq = np.random.SeedSequence([self._subject_seed or 0, self._capture_seed, self._count, 7])
        return np.random.default_rng(seq)

    def _start(self, timeout: float) -> frozenset[Finger] | None:
        """Apply a pending fault; return the fingers to smudge (empty: none)."""
        _check_timeout(timeout)
        fault, fingers = self._faults.pop(0) if self._faults else (None, None)
        if fault == "timeout" or self._subject_seed is None:
            raise ScannerTimeout(f"no finger presented within {timeout:.1f} s")
        if fault == "device_error":
            raise ScannerFault("scanner did not answer")
        if fault == "smudged":
            return frozenset(Finger) if fingers is None else fingers
        return frozenset()

    def _conditions_for(
        self, finger: Finger, smudged: frozenset[Finger] | None
    ) -> CaptureConditions:
        return CaptureConditions.degraded() if smudged and finger in smudged else self._conditions

    def capture_flat(self, finger: Finger, timeout: float) -> FingerImage:
        smudged = self._start(timeout)
        cond = self._conditions_for(finger, smudged)
        img = render_impression(self.master(finger), self._next_rng(), cond)
        return FingerImage(finger=finger, pixels=img, ppi=DEFAULT_PPI)

    def capture_slap(self, timeout: float, hand: Hand = Hand.RIGHT) -> SlapImage:
        smudged = self._start(timeout)
        rng = self._next_rng()
        canvas = np.full((SLAP_HEIGHT, SLAP_WIDTH), 245.0)
        canvas += rng.normal(0.0, self._conditions.noise_sigma, size=canvas.shape)
        for finger, (top, left) in zip(slap_fingers(hand), _SLAP_SLOTS, strict=True):
            cond = self._conditions_for(finger, smudged)
            tip = render_impression(self.master(finger), rng, cond)
            h, w = tip.shape
            if hand is Hand.LEFT:  # mirror the layout, never the ridges
                left = SLAP_WIDTH - left - w
            region = canvas[top : top + h, left : left + w]
            np.minimum(region, tip.astype(np.float64), out=region)
        pixels = np.clip(canvas, 0, 255).astype(np.uint8)
        return SlapImage(hand=hand, pixels=pixels, ppi=DEFAULT_PPI)


def _check_timeout(timeout: float) -> None:
    if timeout <= 0:
        raise ScannerTimeout("no finger presented before the timeout")

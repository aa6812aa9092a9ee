"""Kiosk step: capture a right-hand slap and turn it into four finger templates.

Why these rules:

* Recapture, not refer, on a poor impression: dry or smudged fingers are the
  commonest cause of a low score and a second, firmer press usually fixes it.
  The best impression of each finger over all attempts is kept.
* At least ``REQUIRED_FINGERS`` (3) of the 4 must reach the quality bar. The
  matcher verifies when 2 fingers match; with a single-finger FNMR of ~8 %
  three good fingers still give ~98 % (four: ~99.8 %) while one bandaged or
  missing finger need not send the traveller to a guard. Two fingers would
  leave no margin at all (one miss = refer).
* Only fingers that reach the bar are sent: a poor template adds impostor
  comparisons without adding evidence.
* Every slap and finger crop goes into the session's image list, which the
  lane zero-fills after the decision; logs carry counts, never images,
  templates or scores per traveller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from openabc.fingerprint.emulated_scanner import FingerprintScanner
from openabc.fingerprint.extractor import MinutiaeExtractor
from openabc.fingerprint.segmentation import SegmentationError
from openabc.fingerprint.slap_pipeline import CapturedFinger, process_slap
from openabc.fingerprint.types import Finger, Hand
from openabc.fingerprint.wire import to_message
from openabc.lane.referral import Referral
from openabc.messages import FingerprintTemplate

logger = logging.getLogger(__name__)

REQUIRED_FINGERS = 3
"""Fingers of the slap that must reach ``min_quality`` (see the module docstring)."""

FINGER_QUALITY_INSUFFICIENT = "finger_quality_insufficient"
FINGER_NOT_PRESENTED = "finger_not_presented"
FINGER_SCANNER_FAULT = "finger_scanner_fault"

# Guidance codes, like the face capture's: the kiosk UI shows them in the traveller's language.
GUIDE_PLACE = "FINGERS_PLACE"
GUIDE_PRESS = "FINGERS_PRESS"
GUIDE_SPREAD = "FINGERS_SPREAD"
FINGER_GUIDANCE = {
    GUIDE_PLACE: "place the four fingers of your right hand on the glass",
    GUIDE_PRESS: "press your four fingers flat on the glass",
    GUIDE_SPREAD: "place all four fingers on the glass, slightly apart",
}


class FingerCapture:
    """Slap → quality control → ISO templates, with recapture and referral."""

    def __init__(
        self,
        scanner: FingerprintScanner,
        extractor: MinutiaeExtractor,
        *,
        attempts: int,
        min_quality: int,
        guidance: Callable[[str], None] | None = None,
        timeout: float = 10.0,
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts must be >= 1")
        self._scanner = scanner
        self._extractor = extractor
        self._attempts = attempts
        self._min_quality = min_quality
        self._guidance = guidance
        self._timeout = timeout

    def _guide(self, message: str) -> None:
        if self._guidance is not None:
            self._guidance(message)

    def capture(self, session_images: list[np.ndarray]) -> tuple[FingerprintTemplate, ...]:
        """Templates of the fingers that reach the bar, by position (index first).

        Raises ``Referral`` with ``finger_quality_insufficient`` (fewer than
        ``REQUIRED_FINGERS`` good fingers after every attempt),
        ``finger_not_presented`` (no slap at all) or ``finger_scanner_fault``.
        """
        best: dict[Finger, CapturedFinger] = {}
        presented = False
        message = GUIDE_PLACE
        for attempt in range(1, self._attempts + 1):
            self._guide(message)
            try:
                slap = self._scanner.capture_slap(self._timeout, Hand.RIGHT)
            except TimeoutError:
                message = GUIDE_PLACE
                continue
            except Exception as err:  # noqa: BLE001 - any device failure refers
                logger.warning("finger scanner fault: %s", type(err).__name__)
                raise Referral(FINGER_SCANNER_FAULT) from err
            presented = True
            session_images.append(slap.pixels)
            try:
                result = process_slap(slap, self._extractor, images=session_images)
            except SegmentationError:
                message = GUIDE_SPREAD
                continue
            except Exception as err:  # noqa: BLE001 - extractor or quality failure refers
                logger.warning("finger processing failed: %s", type(err).__name__)
                raise Referral(FINGER_SCANNER_FAULT) from err
            for finger in result.fingers:
                kept = best.get(finger.finger)
                if kept is None or finger.quality > kept.quality:
                    best[finger.finger] = finger
            good = sum(f.quality >= self._min_quality for f in best.values())
            logger.info("finger attempt %d: %d of 4 fingers reach the bar", attempt, good)
            if good == 4:
                break
            message = GUIDE_PRESS
        good_fingers = sorted(
            (f for f in best.values() if f.quality >= self._min_quality), key=lambda f: f.finger
        )
        if len(good_fingers) < REQUIRED_FINGERS:
            raise Referral(FINGER_QUALITY_INSUFFICIENT if presented else FINGER_NOT_PRESENTED)
        return tuple(to_message(f.finger, f.quality, f.template) for f in good_fingers)

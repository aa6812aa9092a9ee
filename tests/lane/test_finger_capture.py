"""Kiosk finger capture: four templates, recapture of poor fingers, referral, faults, wiping.

Smudged impressions (``CaptureConditions.degraded``) score ~40-50 and clean
ones ~70-80 on the emulator, so a bar of 60 separates them.
"""

from __future__ import annotations

import numpy as np
import pytest

from openabc.fingerprint.emulated_scanner import EmulatedFingerprintScanner
from openabc.fingerprint.extractor import MinutiaeExtractor
from openabc.fingerprint.types import Finger
from openabc.fingerprint.wire import from_message
from openabc.lane.finger_capture import (
    FINGER_NOT_PRESENTED,
    FINGER_QUALITY_INSUFFICIENT,
    FINGER_SCANNER_FAULT,
    GUIDE_PLACE,
    GUIDE_PRESS,
    FingerCapture,
)
from openabc.lane.referral import Referral

BAR = 60
SUBJECT = 4242
RING_LITTLE = (Finger.RIGHT_RING, Finger.RIGHT_LITTLE)




def _capture(
    extractor: MinutiaeExtractor, attempts: int = 2
) -> tuple[EmulatedFingerprintScanner, FingerCapture, list[str]]:
    scanner = EmulatedFingerprintScanner(SUBJECT, capture_seed=1)
    said: list[str] = []
    capture = FingerCapture(
        scanner, extractor, attempts=attempts, min_quality=BAR, guidance=said.append
    )
    return scanner, capture, said


def test_four_fingers_templated_and_images_kept_for_wiping(extractor: MinutiaeExtractor) -> None:
    _, capture, said = _capture(extractor)
    images: list[np.ndarray] = []
    templates = capture.capture(images)
    assert [t.position for t in templates] == [2, 3, 4, 5]
    assert all(BAR <= t.quality <= 100 for t in templates)
    assert all(t.format == "iso19794-2:2005" for t in templates)
    for message in templates:
        assert from_message(message).view.finger == message.position
    assert said == [GUIDE_PLACE]
    assert len(images) == 5  # the slap and its four crops
    assert images[0].shape == (1000, 1600)
    assert all(img.dtype == np.uint8 and img.flags.writeable for img in images)


def test_poor_fingers_are_recaptured_keeping_the_best_of_each(
    extractor: MinutiaeExtractor,
) -> None:
    scanner, capture, said = _capture(extractor)
    scanner.inject_fault("smudged", RING_LITTLE)  # first slap: ring and little poor
    scanner.inject_fault("smudged", (Finger.RIGHT_INDEX, Finger.RIGHT_MIDDLE))  # second: others
    images: list[np.ndarray] = []
    templates = capture.capture(images)
    assert [t.position for t in templates] == [2, 3, 4, 5]
    assert all(t.quality >= BAR for t in templates)
    assert said == [GUIDE_PLACE, GUIDE_PRESS]
    assert len(images) == 10


def test_three_good_fingers_are_enough(extractor: MinutiaeExtractor) -> None:
    scanner, capture, _ = _capture(extractor, attempts=1)
    scanner.inject_fault("smudged", (Finger.RIGHT_LITTLE,))
    templates = capture.capture([])
    assert [t.position for t in templates] == [2, 3, 4]


def test_referred_when_quality_stays_insufficient(extractor: MinutiaeExtractor) -> None:
    scanner, capture, said = _capture(extractor)
    scanner.inject_fault("smudged", RING_LITTLE)
    scanner.inject_fault("smudged", RING_LITTLE)
    images: list[np.ndarray] = []
    with pytest.raises(Referral) as info:
        capture.capture(images)
    assert info.value.reasons == (FINGER_QUALITY_INSUFFICIENT,)
    assert said == [GUIDE_PLACE, GUIDE_PRESS]
    assert len(images) == 10  # every impression still handed over for wiping


def test_scanner_fault_refers_at_once(extractor: MinutiaeExtractor) -> None:
    scanner, capture, _ = _capture(extractor)
    scanner.inject_fault("device_error")
    images: list[np.ndarray] = []
    with pytest.raises(Referral) as info:
        capture.capture(images)
    assert info.value.reasons == (FINGER_SCANNER_FAULT,)
    assert images == []


def test_no_fingers_presented(extractor: MinutiaeExtractor) -> None:
    scanner, capture, said = _capture(extractor)
    scanner.present_nobody()
    with pytest.raises(Referral) as info:
        capture.capture([])
    assert info.value.reasons == (FINGER_NOT_PRESENTED,)
    assert said == [GUIDE_PLACE, GUIDE_PLACE]


def test_one_timeout_then_a_slap_succeeds(extractor: MinutiaeExtractor) -> None:
    scanner, capture, _ = _capture(extractor)
    scanner.inject_fault("timeout")
    assert len(capture.capture([])) == 4


def test_processing_failure_is_a_scanner_fault(
    extractor: MinutiaeExtractor, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, capture, _ = _capture(extractor)

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("MINDTCT crashed")

    monkeypatch.setattr("openabc.lane.finger_capture.process_slap", broken)
    images: list[np.ndarray] = []
    with pytest.raises(Referral) as info:
        capture.capture(images)
    assert info.value.reasons == (FINGER_SCANNER_FAULT,)
    assert len(images) == 1  # the slap was captured before processing failed

import numpy as np
import pytest

from openabc.fingerprint.emulated_scanner import (
    EmulatedFingerprintScanner,
    FingerprintScanner,
    ScannerTimeout,
    master_print,
)
from openabc.fingerprint.types import Finger, Hand
from openabc.hal.device_errors import DeviceError


def test_same_seeds_give_identical_captures() -> None:
    a, b = (
        EmulatedFingerprintScanner(5, capture_seed=1),
        EmulatedFingerprintScanner(5, capture_seed=1),
    )
    assert np.array_equal(a.capture_slap(5.0).pixels, b.capture_slap(5.0).pixels)
    fa = a.capture_flat(Finger.LEFT_RING, 5.0)
    fb = b.capture_flat(Finger.LEFT_RING, 5.0)
    assert fa.finger is Finger.LEFT_RING
    assert np.array_equal(fa.pixels, fb.pixels)


def test_master_is_stable_per_finger_and_distinct_across_fingers() -> None:
    a, b = EmulatedFingerprintScanner(5), EmulatedFingerprintScanner(5, capture_seed=99)
    assert np.array_equal(a.master(Finger.RIGHT_INDEX).ridges, b.master(Finger.RIGHT_INDEX).ridges)
    other = a.master(Finger.RIGHT_MIDDLE).ridges
    assert not np.allclose(a.master(Finger.RIGHT_INDEX).ridges, other)
    stranger = EmulatedFingerprintScanner(6).master(Finger.RIGHT_INDEX).ridges
    assert not np.allclose(a.master(Finger.RIGHT_INDEX).ridges, stranger)


def test_each_capture_varies() -> None:
    s = EmulatedFingerprintScanner(5)
    first = s.capture_flat(Finger.RIGHT_INDEX, 5.0).pixels.astype(int)
    second = s.capture_flat(Finger.RIGHT_INDEX, 5.0).pixels.astype(int)
    assert first.shape == second.shape
    assert np.mean(np.abs(first - second)) > 10


def test_slap_shape_and_timeout() -> None:
    s: FingerprintScanner = EmulatedFingerprintScanner(5)
    slap = s.capture_slap(5.0, Hand.LEFT)
    assert slap.hand is Hand.LEFT and slap.ppi == 500
    assert slap.pixels.shape == (1000, 1600) and slap.pixels.dtype == np.uint8
    with pytest.raises(TimeoutError):
        s.capture_flat(Finger.RIGHT_INDEX, 0.0)


def test_one_scanner_serves_successive_travellers() -> None:
    lane = EmulatedFingerprintScanner(None, capture_seed=3)
    with pytest.raises(ScannerTimeout):
        lane.capture_slap(5.0)  # empty platen
    lane.present(5)
    assert np.array_equal(
        lane.master(Finger.RIGHT_INDEX).ridges, master_print(5, Finger.RIGHT_INDEX).ridges
    )
    lane.capture_flat(Finger.RIGHT_INDEX, 5.0)
    lane.present(6)
    assert np.array_equal(
        lane.master(Finger.RIGHT_INDEX).ridges, master_print(6, Finger.RIGHT_INDEX).ridges
    )
    lane.present_nobody()
    with pytest.raises(TimeoutError):  # ScannerTimeout is also a TimeoutError
        lane.capture_flat(Finger.RIGHT_INDEX, 5.0)


def test_injected_faults_hit_the_next_capture_only() -> None:
    s = EmulatedFingerprintScanner(5)
    s.inject_fault("device_error")
    s.inject_fault("timeout")
    with pytest.raises(DeviceError) as info:
        s.capture_flat(Finger.RIGHT_INDEX, 5.0)
    assert not isinstance(info.value, TimeoutError)
    with pytest.raises(ScannerTimeout):
        s.capture_flat(Finger.RIGHT_INDEX, 5.0)
    s.capture_flat(Finger.RIGHT_INDEX, 5.0)
    with pytest.raises(ValueError):
        s.inject_fault("melted")  # type: ignore[arg-type]


def test_smudge_only_the_named_fingers() -> None:
    clean = EmulatedFingerprintScanner(5, capture_seed=2).capture_slap(5.0).pixels
    s = EmulatedFingerprintScanner(5, capture_seed=2)
    s.inject_fault("smudged", [Finger.RIGHT_LITTLE])
    smudged = s.capture_slap(5.0).pixels
    # index finger's slot is untouched, the little finger's is fainter
    assert np.array_equal(clean[250:650, 40:360], smudged[250:650, 40:360])
    little = (slice(400, 800), slice(1180, 1500))
    assert smudged[little].mean() > clean[little].mean() + 10

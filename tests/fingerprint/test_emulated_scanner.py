import numpy as np
import pytest

from openabc.fingerprint.emulated_scanner import EmulatedFingerprintScanner, FingerprintScanner
from openabc.fingerprint.types import Finger, Hand


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

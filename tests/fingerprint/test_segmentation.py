import numpy as np
import pytest

from openabc.fingerprint.emulated_scanner import EmulatedFingerprintScanner
from openabc.fingerprint.impression import CaptureConditions
from openabc.fingerprint.segmentation import SegmentationError, segment_slap
from openabc.fingerprint.types import Finger, Hand, SlapImage, slap_fingers

# Centre column of each fingertip as the emulator places it (right hand, index first).
_RIGHT_CENTRES = (200, 580, 960, 1340)


@pytest.mark.parametrize("hand", list(Hand))
@pytest.mark.parametrize("degraded", [False, True])
def test_four_fingers_in_order(hand: Hand, degraded: bool) -> None:
    cond = CaptureConditions.degraded() if degraded else None
    slap = EmulatedFingerprintScanner(11, conditions=cond).capture_slap(5.0, hand)
    segments = segment_slap(slap)
    assert [s.image.finger for s in segments] == list(slap_fingers(hand))
    for seg, centre in zip(segments, _RIGHT_CENTRES, strict=True):
        expected = centre if hand is Hand.RIGHT else 1600 - centre
        _, left, _, right = seg.box
        assert left < expected < right
        assert 250 < right - left < 420
        assert seg.image.pixels.shape == (seg.box[2] - seg.box[0], right - left)


def test_empty_platen_is_refused() -> None:
    rng = np.random.default_rng(0)
    blank = np.clip(rng.normal(245, 6, size=(1000, 1600)), 0, 255).astype(np.uint8)
    with pytest.raises(SegmentationError):
        segment_slap(SlapImage(Hand.RIGHT, blank))


def test_three_fingers_are_refused() -> None:
    slap = EmulatedFingerprintScanner(11).capture_slap(5.0)
    pixels = slap.pixels.copy()
    pixels[:, 1150:] = 245  # little finger missing
    with pytest.raises(SegmentationError, match="3"):
        segment_slap(SlapImage(Hand.RIGHT, pixels))


def test_one_faint_finger_is_still_segmented() -> None:
    """A dry finger beside three well-pressed ones is found (quality control then flags it)."""
    s = EmulatedFingerprintScanner(4242, capture_seed=1)
    s.inject_fault("smudged", [Finger.RIGHT_RING, Finger.RIGHT_LITTLE])
    segments = segment_slap(s.capture_slap(5.0))
    assert [seg.image.finger for seg in segments] == list(slap_fingers(Hand.RIGHT))
    for seg, centre in zip(segments, _RIGHT_CENTRES, strict=True):
        assert seg.box[1] < centre < seg.box[3]

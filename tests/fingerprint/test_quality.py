from openabc.fingerprint.emulated_scanner import EmulatedFingerprintScanner
from openabc.fingerprint.impression import CaptureConditions
from openabc.fingerprint.quality import nfiq2_style_quality
from openabc.fingerprint.types import Finger


def test_degraded_captures_score_lower() -> None:
    good = EmulatedFingerprintScanner(21)
    bad = EmulatedFingerprintScanner(21, conditions=CaptureConditions.degraded())
    for finger in (Finger.RIGHT_INDEX, Finger.LEFT_MIDDLE, Finger.RIGHT_LITTLE):
        q_good = nfiq2_style_quality(good.capture_flat(finger, 5.0))
        q_bad = nfiq2_style_quality(bad.capture_flat(finger, 5.0))
        assert 0 <= q_bad < q_good <= 100
        assert q_good >= 60 and q_bad <= 50, (finger, q_good, q_bad)

"""Fingerprint bench: FMR/FNMR on emulated fingers, and stage latency.

Genuine: all impression pairs of each finger.  Impostor: first impressions of
different fingers (FVC protocol).  Then the kiosk's four-finger capture and
the matcher's 1:1 verification latency against the 1.5 s target.
Usage: bench_fingerprint.py [fingers] [impressions]  (fingers 0: latency only)
"""

from __future__ import annotations

import itertools
import sys
import time

import numpy as np

from openabc.fingerprint.emulated_scanner import EmulatedFingerprintScanner
from openabc.fingerprint.extractor import FingerTemplate, MinutiaeExtractor
from openabc.fingerprint.matcher import DEFAULT_THRESHOLD, compare
from openabc.fingerprint.slap_pipeline import process_slap
from openabc.fingerprint.types import Finger
from openabc.fingerprint.wire import from_message
from openabc.lane.finger_capture import FingerCapture
from openabc.matcher.fingers import verify_fingers


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def main() -> None:
    n_fingers = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    n_imp = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    if n_fingers == 0:
        latency()
        return
    extractor = MinutiaeExtractor()
    fingers = [Finger(f) for f in range(1, 11)]
    templates: list[list[FingerTemplate]] = []
    extract_ms: list[float] = []
    for i in range(n_fingers):
        scanner = EmulatedFingerprintScanner(subject_seed=1000 + i // 10)
        finger = fingers[i % 10]
        row = []
        for _ in range(n_imp):
            img = scanner.capture_flat(finger, timeout=5.0)
            t = time.perf_counter()
            row.append(extractor.extract(img))
            extract_ms.append((time.perf_counter() - t) * 1000)
        templates.append(row)
    match_ms: list[float] = []
    genuine: list[float] = []
    for row in templates:
        for a, b in itertools.combinations(row, 2):
            t = time.perf_counter()
            genuine.append(compare(a, b).score)
            match_ms.append((time.perf_counter() - t) * 1000)
    impostor = [compare(a[0], b[0]).score for a, b in itertools.combinations(templates, 2)]
    g, im = np.array(genuine), np.array(impostor)
    print(f"fingers={n_fingers} impressions={n_imp} genuine={g.size} impostor={im.size}")
    print(f"genuine: min={g.min():.0f} p5={pct(genuine, 5):.0f} median={np.median(g):.0f}")
    print(f"impostor: max={im.max():.0f} p99={pct(impostor, 99):.0f} median={np.median(im):.0f}")
    for thr in sorted({20.0, 25.0, DEFAULT_THRESHOLD, 35.0, 40.0}):
        print(f"threshold {thr:.0f}: FMR={np.mean(im >= thr):.4f} FNMR={np.mean(g < thr):.4f}")
    print(f"extract ms p50={pct(extract_ms, 50):.1f} p95={pct(extract_ms, 95):.1f}")
    print(f"match ms p50={pct(match_ms, 50):.1f} p95={pct(match_ms, 95):.1f}")
    latency()


def latency(runs: int = 10) -> None:
    """Kiosk four-finger capture and matcher 1:1 verification against the 1.5 s target.

    ``capture+templates`` is what the traveller waits for at the kiosk
    (``FingerCapture.capture``: the emulator's slap rendering, ~0.4 s, stands
    in for the scanner's own capture time); ``templates`` excludes it.
    """
    extractor = MinutiaeExtractor()
    enrolled = EmulatedFingerprintScanner(7, capture_seed=1)
    references = {
        f.finger: f.template for f in process_slap(enrolled.capture_slap(5.0), extractor).fingers
    }
    kiosk = EmulatedFingerprintScanner(7, capture_seed=2)
    capture = FingerCapture(kiosk, extractor, attempts=2, min_quality=20)
    kiosk.capture_slap(5.0)  # warm-up: masters, NFIQ 2 forest
    totals: list[float] = []
    stages: list[float] = []
    verify_ms: list[float] = []
    last: dict[str, float] = {}
    for _ in range(runs):
        images: list[np.ndarray] = []
        t = time.perf_counter()
        messages = capture.capture(images)
        totals.append((time.perf_counter() - t) * 1000)
        result = process_slap(kiosk.capture_slap(5.0), extractor)
        stages.append(result.timings_ms["total"])
        last = result.timings_ms
        t = time.perf_counter()
        probes = {Finger(m.position): from_message(m) for m in messages}
        verdict = verify_fingers(probes, references)
        verify_ms.append((time.perf_counter() - t) * 1000)
        assert verdict.outcome is not None
    target = 1500.0
    p95 = pct(totals, 95)
    print(
        f"four-finger capture+templates ms p50={pct(totals, 50):.0f} p95={p95:.0f} "
        f"(target {target:.0f}: {'OK' if p95 <= target else 'MISSED'})"
    )
    print(
        f"four-finger templates only (segment+4x quality+4x extract) ms "
        f"p50={pct(stages, 50):.0f} p95={pct(stages, 95):.0f} "
        f"last={ {k: round(v) for k, v in last.items()} }"
    )
    print(
        f"matcher 1:1 verification, 4 fingers (decode+4x Bozorth3) ms "
        f"p50={pct(verify_ms, 50):.1f} p95={pct(verify_ms, 95):.1f}"
    )


if __name__ == "__main__":
    main()

"""Fingerprint bench: FMR/FNMR on emulated fingers, and stage latency.

Genuine: all impression pairs of each finger.  Impostor: first impressions of
different fingers (FVC protocol).  Usage: bench_fingerprint.py [fingers] [impressions]
"""

from __future__ import annotations

import itertools
import statistics
import sys
import time

import numpy as np

from openabc.fingerprint.emulated_scanner import EmulatedFingerprintScanner
from openabc.fingerprint.extractor import FingerTemplate, MinutiaeExtractor
from openabc.fingerprint.matcher import DEFAULT_THRESHOLD, compare
from openabc.fingerprint.slap_pipeline import process_slap
from openabc.fingerprint.types import Finger, Hand


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def main() -> None:
    n_fingers = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    n_imp = int(sys.argv[2]) if len(sys.argv) > 2 else 5
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
    scanner = EmulatedFingerprintScanner(subject_seed=7)
    totals: list[float] = []
    for _ in range(10):
        result = process_slap(scanner.capture_slap(5.0, Hand.RIGHT), extractor)
        totals.append(result.timings_ms["total"])
    print(
        f"slap (segment+4x quality+4x extract) ms p50={statistics.median(totals):.0f} "
        f"p95={pct(totals, 95):.0f} last={result.timings_ms}"
    )


if __name__ == "__main__":
    main()

"""The whole kiosk capture of one traveller, step by step, at 1 and 2 onnxruntime threads.

Why: the traveller waits for the sum of the kiosk's steps, so each step and the
total are measured with the production wiring (``lane.assembly``): chip passive
authentication, portrait template, live face capture (quality, fused PAD,
embed), live-vs-chip 1:1, four-finger slap. Targets from issue #3 are checked in
the same run: face template p50 <= 60 ms (bench_face_pipeline.py), four fingers
p50 <= 1.5 s. Devices are the emulators (the slap drawing stands in for the
scanner's own capture time, and face_capture includes the camera emulator
rendering and JPEG-encoding every frame, about 60 ms per frame here).
Usage: python bench/bench_kiosk_capture.py [--runs 15]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from openabc.config import OpenAbcSettings, TrustSettings
from openabc.epassport.emulated_chip import chip_bytes_for, load_test_issuer
from openabc.fingerprint.emulated_scanner import EmulatedFingerprintScanner
from openabc.hal.base import DocumentScan
from openabc.hal.emulated_camera import EmulatedCamera
from openabc.hal.images import decode_image
from openabc.inference.face_pipeline import build_face_pipeline
from openabc.lane.assembly import build_capture_steps
from openabc.lane.face_templater import PipelineTemplater
from openabc.pad.detector import build_pad_detector
from openabc.seeding.models import load_population
from openabc.seeding.pki import issuer_dir_for, write_site_pki

ROOT = Path(__file__).resolve().parents[1]
FINGERS_TARGET_MS = 1500.0
STEPS = ("chip_check", "portrait_template", "face_capture", "face_verify", "finger_capture")


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Stopwatch:
    """Lap times of consecutive steps, and their total."""

    def __init__(self) -> None:
        self._started = self._last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = (now - self._last) * 1000.0
        self._last = now

    @property
    def total_ms(self) -> float:
        return (self._last - self._started) * 1000.0


def bench(threads: int, runs: int, workdir: Path) -> dict[str, list[float]]:
    trust = TrustSettings(csca_pem=workdir / "csca.pem", crl_pem=workdir / "crl.pem")
    today = dt.datetime.now(dt.UTC).date()
    write_site_pki(trust, seed=20260101, today=today)
    settings = OpenAbcSettings(trust=trust)
    lane = settings.lanes[0]
    models = ROOT / "models"
    pipeline = build_face_pipeline(models, threads=threads)
    camera = EmulatedCamera(rng_seed=1)
    scanner = EmulatedFingerprintScanner(subject_seed=None, capture_seed=1)
    steps = build_capture_steps(
        settings, lane, pipeline=pipeline, liveness=build_pad_detector(models, threads=threads),
        camera=camera, scanner=scanner,
    )
    assert steps.fingers is not None
    traveller = load_population(ROOT / "seeds" / "population.json").by_archetype("eligible")
    faces = ROOT / "seeds" / "faces"
    portrait = (faces / traveller.portrait_image).read_bytes()
    photo = decode_image((faces / traveller.live_image).read_bytes())
    landmarks = pipeline.detect_subject(photo).landmarks
    chip = chip_bytes_for(traveller.mrz_text, portrait, traveller.chip,
                          load_test_issuer(issuer_dir_for(trust)), today)
    scan = DocumentScan(traveller.mrz_text, portrait, chip)
    templater = PipelineTemplater(pipeline)
    times: dict[str, list[float]] = {name: [] for name in (*STEPS, "total")}
    for run in range(runs + 1):  # run 0 warms up caches (master prints, ONNX arenas)
        camera.present(photo, landmarks)
        scanner.present(traveller.finger_seed)
        images: list[np.ndarray] = []
        clock = Stopwatch()
        image = steps.chip.verify(scan, scan.mrz_text)
        clock.lap("chip_check")
        assert image is not None
        images.append(image)
        reference, _ = templater.template(image)
        clock.lap("portrait_template")
        live = steps.face_capture.capture(images)
        clock.lap("face_capture")
        steps.face_verifier.verify(live.template, reference)
        clock.lap("face_verify")
        steps.fingers.capture(images)
        clock.lap("finger_capture")
        for image in images:
            image.fill(0)
        if run == 0:
            continue
        for name, ms in clock.laps.items():
            times[name].append(ms)
        times["total"].append(clock.total_ms)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    results: dict[int, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for threads in (1, 2):
            results[threads] = bench(threads, args.runs, Path(tmp) / f"t{threads}")
    for threads, times in results.items():
        print(f"threads={threads}  runs={args.runs}")
        for name, values in times.items():
            print(f"  {name:<18} p50={statistics.median(values):8.1f} ms  "
                  f"p95={pct(values, 0.95):8.1f} ms")
    for threads, times in results.items():
        fingers = statistics.median(times["finger_capture"])
        verdict = "meets" if fingers <= FINGERS_TARGET_MS else "MISSES"
        print(f"threads={threads}: four fingers p50 {fingers:.0f} ms {verdict} the "
              f"{FINGERS_TARGET_MS:.0f} ms target; whole capture p50 "
              f"{statistics.median(times['total']):.0f} ms")
    one, two = (statistics.median(results[t]["total"]) for t in (1, 2))
    print(f"2 threads vs 1: whole capture {two / one:.2f}x")


if __name__ == "__main__":
    main()

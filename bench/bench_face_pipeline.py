"""Face detection and full pipeline latency: p50/p95 over N runs, 1 and 2 threads.

Why: the lane's time budget needs measured numbers for detect + align + embed
on a 640x480 camera-sized frame, not guesses.
Usage: python bench/bench_face_pipeline.py [--runs 30]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from openabc.inference.face_pipeline import build_face_pipeline

ROOT = Path(__file__).resolve().parents[1]


def frame_640x480() -> np.ndarray:
    """The obama seed photo letterboxed into a 640x480 frame (one face, real pixels)."""
    img = Image.open(ROOT / "seeds" / "faces" / "obama.jpg").convert("RGB")
    img.thumbnail((640, 480))
    canvas = Image.new("RGB", (640, 480), (40, 40, 40))
    canvas.paste(img, ((640 - img.width) // 2, (480 - img.height) // 2))
    return np.asarray(canvas)


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    for _ in range(3):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    return sorted(times)


def fmt(name: str, t: list[float]) -> str:
    p95 = t[min(len(t) - 1, round(0.95 * (len(t) - 1)))]
    return f"{name:<9} p50={statistics.median(t):7.2f} ms  p95={p95:7.2f} ms  min={t[0]:7.2f} ms"


def bench_threads(threads: int, runs: int, frame: np.ndarray) -> None:
    pipeline = build_face_pipeline(ROOT / "models", threads=threads)
    detector = pipeline._detector  # noqa: SLF001 - the bench times the detector alone
    det = timed(lambda: detector.detect(frame), runs)
    stages: dict[str, list[float]] = {n: [] for n in pipeline.stage_names}

    def run() -> None:
        for name, ms in pipeline.extract(frame).stage_ms.items():
            stages[name].append(ms)

    full = timed(run, runs)
    print(f"threads={threads} runs={runs} frame=640x480")
    print("  " + fmt("detect", det))
    print("  " + fmt("pipeline", full))
    for name, values in stages.items():
        print("  " + fmt(f" {name}", sorted(values[3:])))  # drop the 3 warm-up calls


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    frame = frame_640x480()
    for threads in (1, 2):
        bench_threads(threads, args.runs, frame)


if __name__ == "__main__":
    main()

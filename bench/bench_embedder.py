"""Embed latency on this machine: p50/p90 over N runs for 1 and 2 intra-op threads.

Why: the lane's time budget needs a measured number for the embedder, not a guess.
Usage: python bench/bench_embedder.py [--runs 50]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
from PIL import Image

from openabc.inference.embedder import FaceEmbedder
from openabc.inference.runner import load_verified_runner

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "models" / "face-embed-dlib-resnet" / "1.0.0" / "manifest.yaml"


def bench(threads: int, runs: int, chip: np.ndarray) -> list[float]:
    manifest, runner = load_verified_runner(MANIFEST, threads=threads)
    runner.warm_up()
    embedder = FaceEmbedder(runner, manifest)
    for _ in range(3):
        embedder.embed(chip)
    times: list[float] = []
    for _ in range(runs):
        start = time.perf_counter()
        embedder.embed(chip)
        times.append((time.perf_counter() - start) * 1000.0)
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=50)
    args = ap.parse_args()
    # The whole seed photo shrunk to chip size: real pixel statistics, no detector needed.
    img = Image.open(ROOT / "seeds" / "faces" / "astronaut.jpg").convert("RGB")
    chip = np.asarray(img.resize((150, 150)), dtype=np.uint8)
    for threads in (1, 2):
        t = sorted(bench(threads, args.runs, chip))
        p90 = t[int(0.9 * (len(t) - 1))]
        print(f"threads={threads} runs={args.runs} p50={statistics.median(t):.2f} ms "
              f"p90={p90:.2f} ms min={t[0]:.2f} ms")


if __name__ == "__main__":
    main()

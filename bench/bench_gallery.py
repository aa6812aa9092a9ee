"""1:N gallery search at 100k and 1M templates: latency, recall, memory.

Compares the engines behind ``open_gallery`` with the in-run baseline, the
exact float32 numpy scan, on galleries with planted weak mates (0.5-0.59 from
the probe, distractors just beyond), and sets the latencies against the
memory-bandwidth floor of a full scan. Target: 1M <= 25 ms p50 on 2 cores,
recall@1 = 1.0.

    python bench/bench_gallery.py --sizes 100000,1000000
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from openabc.matcher.gallery import Engine, IndexedGallery, faiss_available, open_gallery
from openabc.matcher.index.planted import PlantedGallery, plant_weak_mates, random_templates
from openabc.messages import TEMPLATE_DIMENSIONS, FaceTemplate

MODEL = ("face-embed-dlib-resnet", "1.0.0")
QUOTED_BANDWIDTH = 11.7e9
"""Read bandwidth of the reference machine, bytes/s (issue #4)."""
BYTES_PER_COMPONENT = {"numpy": 4, "faiss-sq8": 1}


@dataclass
class Row:
    size: int
    engine: str
    build_s: float
    rss_mb: float
    k1: tuple[float, float]
    k10: tuple[float, float]
    nonmated: tuple[float, float]
    recall: float
    agree: float
    floor_ms: float
    passes: float


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measured_bandwidth() -> float:
    """Single-thread sequential read of 512 MB, best of three (bytes/s)."""
    block = np.ones(64 * 1024 * 1024, dtype=np.int64)
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        block.sum()
        best = max(best, block.nbytes / (time.perf_counter() - start))
    return best


def templates(vectors: np.ndarray) -> list[FaceTemplate]:
    return [
        FaceTemplate(model_id=MODEL[0], model_version=MODEL[1], vector=tuple(v.tolist()))
        for v in vectors
    ]


def latency(search: Callable[[FaceTemplate], object], probes: list[FaceTemplate]) -> list[float]:
    for probe in probes[:5]:
        search(probe)
    times = []
    for probe in probes:
        start = time.perf_counter()
        search(probe)
        times.append((time.perf_counter() - start) * 1e3)
    return times


def p50_p99(times: list[float]) -> tuple[float, float]:
    return statistics.median(times), float(np.percentile(times, 99))


def run_engine(
    engine: Engine,
    planted: PlantedGallery,
    ids: list[str],
    mated: list[FaceTemplate],
    nonmated: list[FaceTemplate],
    threads: int,
    truth: list[str] | None,
) -> tuple[Row, list[str]]:
    gc.collect()
    before = rss_bytes()
    start = time.perf_counter()
    gallery: IndexedGallery = open_gallery(
        *MODEL, ids, planted.gallery, engine=engine, threads=threads
    )
    build = time.perf_counter() - start
    gc.collect()
    grown = rss_bytes() - before
    top1 = [gallery.search(probe, 1)[0][0] for probe in mated]
    passes_before = getattr(gallery.index, "passes", 0)
    expected = [ids[m] for m in planted.mates]
    size = len(ids)
    row = Row(
        size=size,
        engine=gallery.engine,
        build_s=build,
        rss_mb=grown / 1e6,
        k1=p50_p99(latency(lambda p: gallery.search(p, 1), mated)),
        k10=p50_p99(latency(lambda p: gallery.search(p, 10), mated)),
        nonmated=p50_p99(latency(lambda p: gallery.search(p, 1), nonmated)),
        recall=float(np.mean([a == b for a, b in zip(top1, expected, strict=True)])),
        agree=float(np.mean([a == b for a, b in zip(top1, truth or top1, strict=True)])),
        floor_ms=size
        * TEMPLATE_DIMENSIONS
        * BYTES_PER_COMPONENT[gallery.engine]
        / QUOTED_BANDWIDTH
        * 1e3,
        passes=(getattr(gallery.index, "passes", 0) - passes_before) / (3 * len(mated)),
    )
    return row, top1


def print_header() -> None:
    header = (
        f"{'N':>9} {'engine':<10} {'build s':>7} {'RSS MB':>7} {'B/tmpl':>6} "
        f"{'k1 p50':>7} {'k1 p99':>7} {'k10 p50':>7} {'k10 p99':>7} "
        f"{'nm p50':>7} {'nm p99':>7} {'recall@1':>8} {'=fp32@1':>7} {'floor ms':>8} {'scans/q':>7}"
    )
    print(header)
    print("-" * len(header))


def print_row(r: Row) -> None:
    print(
        f"{r.size:>9,} {r.engine:<10} {r.build_s:>7.2f} {r.rss_mb:>7.0f} "
        f"{r.rss_mb * 1e6 / r.size:>6.0f} {r.k1[0]:>7.2f} {r.k1[1]:>7.2f} "
        f"{r.k10[0]:>7.2f} {r.k10[1]:>7.2f} {r.nonmated[0]:>7.2f} {r.nonmated[1]:>7.2f} "
        f"{r.recall:>8.3f} {r.agree:>7.3f} {r.floor_ms:>8.1f} {r.passes:>7.2f}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="gallery sizes, comma-separated")
    parser.add_argument("--probes", type=int, default=200, help="planted weak-mate probes")
    parser.add_argument("--threads", type=int, default=2, help="faiss scan shards/threads")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    engines: list[Engine] = ["numpy"] + (["faiss-sq8"] if faiss_available() else [])
    if faiss_available():
        import faiss

        faiss.omp_set_num_threads(args.threads)
        print(f"faiss {faiss.__version__}", end=", ")
    bandwidth = measured_bandwidth()
    print(
        f"numpy {np.__version__}, {os.cpu_count()} CPUs, {args.threads} threads; "
        f"measured single-thread read {bandwidth / 1e9:.1f} GB/s, "
        f"floor column uses the quoted {QUOTED_BANDWIDTH / 1e9:.1f} GB/s"
    )
    print_header()
    rows: list[Row] = []
    for size in (int(s) for s in args.sizes.split(",")):
        rng = np.random.default_rng(args.seed)
        planted = plant_weak_mates(rng, size, args.probes)
        ids = [f"P{i:08d}" for i in range(size)]
        mated = templates(planted.probes)
        nonmated = templates(random_templates(rng, args.probes))
        truth: list[str] | None = None
        for engine in engines:
            row, top1 = run_engine(engine, planted, ids, mated, nonmated, args.threads, truth)
            truth = truth or top1  # numpy fp32 exact runs first: the reference
            rows.append(row)
            print_row(row)
        del planted, ids
    print(
        "\nlatencies in ms through the person-level facade (FaceTemplate in, ids out); "
        "k1/k10 on planted weak-mate probes, nm = non-mated probes (k=1);\n"
        "recall@1 = planted mate ranked first; =fp32@1 = same top-1 as numpy fp32 exact; "
        "floor = bytes scanned / quoted bandwidth; RSS = resident growth while building;\n"
        "scans/q = byte-code scans per query (1 = the first re-rank of k+32 candidates proved "
        "exact; more = the candidate set widened; numpy: no byte scan)."
    )
    target = [r for r in rows if r.size >= 1_000_000 and r.engine != "numpy"]
    for r in target:
        ok = r.k1[0] <= 25.0 and r.recall == 1.0 and r.agree == 1.0
        print(f"target 1M <= 25 ms p50, recall@1 = 1.0 ({r.engine}): {'MET' if ok else 'MISSED'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""PAD on emulated species: APCER per species and BPCER, ISO/IEC 30107-3 style.

Why: the kiosk must state its attack and bona fide error rates per signal and
fused. The set is generated (edge/openabc/pad/emulated_attacks.py), so these
numbers show the mechanism works, not how it fares against real attacks.
Usage: python bench/bench_pad.py [--sequences 40] [--frames 6] [--seed 0]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from openabc.inference.detector import FaceDetector
from openabc.inference.face_pipeline import DETECTOR_VERSION
from openabc.inference.runner import load_verified_runner
from openabc.pad.decision import PadDecision
from openabc.pad.emulated_set import Trial, run_emulated_set
from openabc.pad.evaluation import error_rates, format_table

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ("obama", "obama2", "obama3", "biden", "astronaut")


def load_detector(models: Path) -> FaceDetector:
    runners = [
        load_verified_runner(models / f"mtcnn-{net}" / DETECTOR_VERSION / "manifest.yaml")[1]
        for net in ("pnet", "rnet", "onet")
    ]
    return FaceDetector(*runners)


def report(trials: list[Trial]) -> None:
    scored = [t for t in trials if t.decision is not None]
    print(f"{len(trials)} presentations, {len(trials) - len(scored)} without a face in every frame")
    signals: dict[str, Callable[[PadDecision], bool]] = {
        "sequence (parallax+blink)": lambda d: d.sequence_attack,
        "texture (moire+grain)": lambda d: d.texture_attack,
        "fused (mean of scores)": lambda d: d.is_attack,
        "either vetoes (not used)": lambda d: d.sequence_attack or d.texture_attack,
    }
    for name, rule in signals.items():
        print(f"\n{name}")
        print(
            format_table(error_rates((t.species, rule(t.decision)) for t in scored if t.decision))
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sequences", type=int, default=40, help="per photo and species")
    parser.add_argument("--frames", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    detector = load_detector(ROOT / "models")
    photos = [
        np.asarray(Image.open(ROOT / "seeds" / "faces" / f"{n}.jpg").convert("RGB")) for n in PHOTOS
    ]
    start = time.perf_counter()
    trials = run_emulated_set(
        detector.detect, photos, sequences=args.sequences, frames=args.frames, seed=args.seed
    )
    print(f"generated and scored in {time.perf_counter() - start:.0f} s")
    report(trials)


if __name__ == "__main__":
    main()

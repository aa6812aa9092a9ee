"""PAD on emulated species: APCER per species and BPCER, ISO/IEC 30107-3 style.

Why: the kiosk must state its attack and bona fide error rates per signal and
fused, and what PAD costs per frame and per sequence. The set is generated
(edge/openabc/pad/emulated_attacks.py) from the held-out split
(openabc.pad.split: identities biden + astronaut, seeds < 5,000,000) that the
PAD model never saw in training. The species are emulated by the same project
that wrote the detectors, so these numbers are an upper bound: they show the
mechanism works, not how it fares against real attacks.
Usage: python bench/bench_pad.py [--sequences 20] [--frames 6] [--seed 0] [--threads 1]
       [--target-ied 70]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from openabc.inference.detector import FaceDetector
from openabc.inference.face_pipeline import DETECTOR_VERSION
from openabc.inference.runner import load_verified_runner
from openabc.pad.decision import ATTACK_THRESHOLD, PadDecision
from openabc.pad.detector import PresentationAttackDetector, build_pad_detector
from openabc.pad.emulated_set import Presentation, Trial, generate_presentations, score
from openabc.pad.evaluation import error_rates, format_table
from openabc.pad.split import EVAL_PHOTOS, EVAL_SEED, TRAIN_SEED_BASE, load_photos
from openabc.pad.texture import texture_evidence

ROOT = Path(__file__).resolve().parents[1]


def load_detector(models: Path) -> FaceDetector:
    runners = [
        load_verified_runner(models / f"mtcnn-{net}" / DETECTOR_VERSION / "manifest.yaml")[1]
        for net in ("pnet", "rnet", "onet")
    ]
    return FaceDetector(*runners)


def _mean(*names: str) -> Callable[[PadDecision], bool]:
    def rule(d: PadDecision) -> bool:
        return float(np.mean([d.scores[n] for n in names])) >= ATTACK_THRESHOLD

    return rule


def report(trials: list[Trial]) -> None:
    scored = [t for t in trials if t.decision is not None]
    print(f"{len(trials)} presentations, {len(trials) - len(scored)} without a face in every frame")
    signals: dict[str, Callable[[PadDecision], bool]] = {
        "sequence alone (parallax+blink)": lambda d: d.sequence_attack,
        "model alone (pad-texture-cnn, ONNX)": lambda d: d.model_attack,
        "texture alone (hand-crafted moire+grain)": lambda d: d.texture_attack,
        "FUSED (mean of sequence, model, texture) = is_attack": lambda d: d.is_attack,
        "sequence + model only (mean of two)": _mean("sequence", "model"),
        "sequence + texture only (previous rule)": _mean("sequence", "texture"),
    }
    for name, rule in signals.items():
        print(f"\n{name}")
        print(
            format_table(error_rates((t.species, rule(t.decision)) for t in scored if t.decision))
        )
    print("\nscore ranges (min / median / max) per species")
    for species in ("bona_fide", "print", "screen"):
        ds = [t.decision for t in scored if t.species == species and t.decision]
        for sig in ("sequence", "model", "texture"):
            v = [d.scores[sig] for d in ds]
            print(f"  {species:<10} {sig:<9} {min(v):.3f} / {np.median(v):.3f} / {max(v):.3f}")
        f = [d.fused_score for d in ds]
        print(f"  {species:<10} {'fused':<9} {min(f):.3f} / {np.median(f):.3f} / {max(f):.3f}")


def latency(pad: PresentationAttackDetector, made: list[Presentation]) -> None:
    """p50/p95 per frame for each single-frame signal, and per whole sequence."""
    usable = [p for p in made if p.faces is not None]
    model_ms, texture_ms, seq_ms = [], [], []
    for p in usable:
        assert p.faces is not None
        for frame, face in zip(p.frames, p.faces, strict=True):
            start = time.perf_counter()
            pad.model.evidence([frame], [face])
            model_ms.append(1e3 * (time.perf_counter() - start))
            start = time.perf_counter()
            texture_evidence(frame, face)
            texture_ms.append(1e3 * (time.perf_counter() - start))
        start = time.perf_counter()
        pad.assess(p.frames, p.faces)
        seq_ms.append(1e3 * (time.perf_counter() - start))
    frames = len(usable[0].frames) if usable else 0
    print("\nlatency (ms, face detection excluded: the face pipeline already pays it)")
    for name, ms in (
        ("model signal per frame (chip + ONNX)", model_ms),
        ("texture signal per frame", texture_ms),
        (f"full assess per {frames}-frame sequence", seq_ms),
    ):
        p50, p95 = np.percentile(ms, [50, 95])
        print(f"  {name:<40} p50 {p50:6.2f}  p95 {p95:6.2f}  (n={len(ms)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sequences", type=int, default=20, help="per photo and species")
    parser.add_argument("--frames", type=int, default=6)
    parser.add_argument("--seed", type=int, default=EVAL_SEED)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--target-ied",
        type=float,
        default=70.0,
        help="px between the eyes (subject distance); the model was trained at 70 only",
    )
    args = parser.parse_args()
    if args.seed + 1_000_000 > TRAIN_SEED_BASE:
        parser.error("evaluation seeds must stay below the training seeds")
    detector = load_detector(ROOT / "models")
    pad = build_pad_detector(ROOT / "models", threads=args.threads)
    photos = load_photos(ROOT / "seeds" / "faces", EVAL_PHOTOS)
    start = time.perf_counter()
    made = list(
        generate_presentations(
            detector.detect,
            photos,
            sequences=args.sequences,
            frames=args.frames,
            seed=args.seed,
            target_ied=args.target_ied,
        )
    )
    print(f"held-out set {EVAL_PHOTOS}, seeds from {args.seed}, ", end="")
    print(f"inter-eye distance {args.target_ied:g} px: generated in ", end="")
    print(f"{time.perf_counter() - start:.0f} s")
    report(score(made, pad.assess))
    latency(pad, made)


if __name__ == "__main__":
    main()

"""Training chips for the PAD CNN, rendered from the emulated species (step 1 of 2).

Why: the tooling venv that trains (torch) has no onnxruntime, Pillow or
openabc, so the chips are made here, in the kiosk venv, with exactly the
kiosk's face detector and chip function (openabc.pad.model_signal.pad_chip),
and handed over as a plain .npz. Only the training split is rendered:
identities openabc.pad.split.TRAIN_PHOTOS, seeds from TRAIN_SEED_BASE; the
evaluation identities and seeds are never touched.

Usage: .venv/bin/python tools/models/train_pad_data.py --out .cache/pad/train.npz
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

import numpy as np
import onnxruntime
import PIL

from openabc.inference.detector import FaceDetector
from openabc.inference.face_pipeline import DETECTOR_VERSION
from openabc.inference.runner import load_verified_runner
from openabc.pad.emulated_attacks import SPECIES
from openabc.pad.emulated_set import generate_presentations
from openabc.pad.model_signal import TRAIN_CHIP_SIZE, pad_chip
from openabc.pad.split import TRAIN_PHOTOS, TRAIN_SEED_BASE, load_photos

ROOT = Path(__file__).resolve().parents[2]
SEQUENCES = 20  # per photo and species
FRAMES = 4  # per sequence


def load_detector(models: Path) -> FaceDetector:
    runners = [
        load_verified_runner(models / f"mtcnn-{net}" / DETECTOR_VERSION / "manifest.yaml")[1]
        for net in ("pnet", "rnet", "onet")
    ]
    return FaceDetector(*runners)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--sequences", type=int, default=SEQUENCES)
    parser.add_argument("--frames", type=int, default=FRAMES)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    detector = load_detector(ROOT / "models")
    photos = load_photos(ROOT / "seeds" / "faces", TRAIN_PHOTOS)
    chips, labels, seeds = [], [], []
    for pres in generate_presentations(
        detector.detect,
        photos,
        sequences=args.sequences,
        frames=args.frames,
        seed=TRAIN_SEED_BASE,
    ):
        if pres.faces is None:
            print(f"skip {pres.species} seed {pres.seed}: a frame lost the face")
            continue
        for frame, face in zip(pres.frames, pres.faces, strict=True):
            chips.append(pad_chip(frame, face.landmarks, TRAIN_CHIP_SIZE))
            labels.append(SPECIES.index(pres.species))
            seeds.append(pres.seed)
    x = np.stack(chips).astype(np.uint8)
    y = np.asarray(labels, dtype=np.int64)
    s = np.asarray(seeds, dtype=np.int64)
    digest = hashlib.sha256(x.tobytes() + y.tobytes()).hexdigest()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        args.out,
        chips=x,
        species=y,
        seeds=s,
        species_names=np.asarray(SPECIES),
        photos=np.asarray(TRAIN_PHOTOS),
        digest=np.asarray(digest),
        sequences=np.asarray(args.sequences),
        frames=np.asarray(args.frames),
        tools=np.asarray(
            f"numpy {np.__version__}, Pillow {PIL.__version__}, onnxruntime "
            f"{onnxruntime.__version__}, faces located by models/mtcnn-*/{DETECTOR_VERSION}"
        ),
    )
    counts = {name: int((y == i).sum()) for i, name in enumerate(SPECIES)}
    print(f"{len(x)} chips {counts} from {TRAIN_PHOTOS}, seeds >= {TRAIN_SEED_BASE}")
    print(f"data sha256 {digest}  ({time.perf_counter() - start:.0f} s) -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Write a labelled folder of synthetic finger impressions from the emulated scanner.

Why: the finger threshold in the manifest is measured on this set, and anyone
must be able to regenerate it bit for bit (same seeds, same files) to check
the figure, without access to real fingerprints.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from openabc.fingerprint.emulated_scanner import EmulatedFingerprintScanner
from openabc.fingerprint.types import Finger

FINGERS_PER_SUBJECT = 10


def write_synthetic_fingers(
    out_dir: Path,
    *,
    fingers: int,
    impressions: int,
    subject_seed: int = 1000,
    capture_seed: int = 0,
) -> list[Path]:
    """``fingers`` x ``impressions`` PNGs as ``out_dir/s<seed>-f<pos>/<n>.png``.

    Finger k belongs to subject ``subject_seed + k // 10`` at position
    ``k % 10 + 1``, the layout of ``bench/bench_fingerprint.py``.
    """
    if fingers < 1 or impressions < 1:
        raise ValueError("need at least one finger and one impression")
    written: list[Path] = []
    for k in range(fingers):
        seed = subject_seed + k // FINGERS_PER_SUBJECT
        finger = Finger(k % FINGERS_PER_SUBJECT + 1)
        scanner = EmulatedFingerprintScanner(subject_seed=seed, capture_seed=capture_seed)
        folder = out_dir / f"s{seed}-f{int(finger):02d}"
        folder.mkdir(parents=True, exist_ok=True)
        for n in range(impressions):
            image = scanner.capture_flat(finger, timeout=5.0)
            path = folder / f"{n + 1}.png"
            Image.fromarray(image.pixels).save(path, dpi=(image.ppi, image.ppi))
            written.append(path)
    return written

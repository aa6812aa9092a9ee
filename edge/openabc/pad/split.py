"""Train / evaluation split of the emulated PAD set: disjoint identities and seeds.

Why: the in-repo PAD model is trained on emulated sequences, so its error
rates mean something only on sequences it never saw. Training uses one
identity (the three Obama photos) and seeds from ``TRAIN_SEED_BASE`` up;
evaluation uses two other identities (Biden, the astronaut) and seeds below
``TRAIN_SEED_BASE``. Both sets still come from the same emulator, so the
split guards against memorising faces and noise, not against the emulator's
own idiosyncrasies.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image

TRAIN_PHOTOS: tuple[str, ...] = ("obama", "obama2", "obama3")
EVAL_PHOTOS: tuple[str, ...] = ("biden", "astronaut")
TRAIN_SEED_BASE = 5_000_000  # run_emulated_set seeds: base + 100_000*photo + 10_000*species + k
EVAL_SEED = 0


def load_photos(faces_dir: Path, names: tuple[str, ...]) -> list[npt.NDArray[np.uint8]]:
    """The named seed photos (``<name>.jpg``) as RGB uint8 arrays."""
    return [
        np.asarray(Image.open(faces_dir / f"{name}.jpg").convert("RGB"), dtype=np.uint8)
        for name in names
    ]

"""Run the PAD decision over an emulated set of species sequences.

Why: the bench and the tests must score the same generated set the same way,
detecting the face in every frame exactly as the kiosk would.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from openabc.inference.detector import FaceDetection
from openabc.pad.decision import PadDecision, PadThresholds, assess_presentation
from openabc.pad.emulated_attacks import SPECIES, Species, generate_sequence

Detect = Callable[[npt.NDArray[np.uint8]], list[FaceDetection]]


@dataclass(frozen=True)
class Trial:
    """One scored presentation: which photo, species and seed, and the decision."""

    photo: int
    species: Species
    seed: int
    decision: PadDecision | None  # None: no face in some frame (not a PAD outcome)


def run_emulated_set(
    detect: Detect,
    photos: Sequence[npt.NDArray[np.uint8]],
    *,
    sequences: int,
    frames: int = 6,
    seed: int = 0,
    thresholds: PadThresholds | None = None,
    species: Sequence[Species] = SPECIES,
) -> list[Trial]:
    """``sequences`` presentations per photo and species, each seeded deterministically."""
    trials = []
    for p, photo in enumerate(photos):
        found = detect(photo)
        if not found:
            raise ValueError(f"photo {p} has no detectable face")
        landmarks = found[0].landmarks
        for s, kind in enumerate(species):
            for k in range(sequences):
                trial_seed = seed + 100_000 * p + 10_000 * s + k
                seq = generate_sequence(photo, landmarks, kind, seed=trial_seed, frames=frames)
                faces = [detect(frame) for frame in seq]
                decision = None
                if all(faces):
                    decision = assess_presentation(seq, [f[0] for f in faces], thresholds)
                trials.append(Trial(photo=p, species=kind, seed=trial_seed, decision=decision))
    return trials

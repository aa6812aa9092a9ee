"""Generate an emulated set of species sequences and score it.

Why: the bench, the tests and the training-data script must build the same
sequences the same way, detecting the face in every frame exactly as the kiosk
would. Generation (slow: rendering + MTCNN) is split from scoring so one set
can be scored by several signals and fusion rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from openabc.inference.detector import FaceDetection
from openabc.pad.decision import PadDecision, PadThresholds, assess_presentation
from openabc.pad.emulated_attacks import SPECIES, Species, generate_sequence

Detect = Callable[[npt.NDArray[np.uint8]], list[FaceDetection]]
Assess = Callable[[Sequence[npt.NDArray[np.uint8]], Sequence[FaceDetection]], PadDecision]


@dataclass(frozen=True)
class Presentation:
    """One generated presentation: frames and the first detection per frame."""

    photo: int
    species: Species
    seed: int
    frames: list[npt.NDArray[np.uint8]] = field(repr=False)
    faces: list[FaceDetection] | None = field(repr=False)  # None: some frame had no face


@dataclass(frozen=True)
class Trial:
    """One scored presentation: which photo, species and seed, and the decision."""

    photo: int
    species: Species
    seed: int
    decision: PadDecision | None  # None: no face in some frame (not a PAD outcome)


def trial_seed(seed: int, photo: int, species: int, k: int) -> int:
    """Seed of the k-th sequence of a photo and species: disjoint for disjoint inputs."""
    return seed + 100_000 * photo + 10_000 * species + k


def generate_presentations(
    detect: Detect,
    photos: Sequence[npt.NDArray[np.uint8]],
    *,
    sequences: int,
    frames: int = 6,
    seed: int = 0,
    species: Sequence[Species] = SPECIES,
    target_ied: float = 70.0,
) -> Iterator[Presentation]:
    """``sequences`` presentations per photo and species, each seeded deterministically.

    ``target_ied`` (px between the eyes) sets the subject distance, so a bench
    can probe scales the PAD model was not trained at (training uses 70).
    """
    for p, photo in enumerate(photos):
        found = detect(photo)
        if not found:
            raise ValueError(f"photo {p} has no detectable face")
        landmarks = found[0].landmarks
        for s, kind in enumerate(species):
            for k in range(sequences):
                ts = trial_seed(seed, p, s, k)
                seq = generate_sequence(
                    photo, landmarks, kind, seed=ts, frames=frames, target_ied=target_ied
                )
                detections = [detect(frame) for frame in seq]
                faces = [d[0] for d in detections] if all(detections) else None
                yield Presentation(photo=p, species=kind, seed=ts, frames=seq, faces=faces)


def score(presentations: Sequence[Presentation], assess: Assess) -> list[Trial]:
    """Apply one PAD decision function to already generated presentations."""
    return [
        Trial(
            photo=p.photo,
            species=p.species,
            seed=p.seed,
            decision=assess(p.frames, p.faces) if p.faces is not None else None,
        )
        for p in presentations
    ]


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
    """Generate and score with the hand-crafted two-signal ``assess_presentation``."""
    made = list(
        generate_presentations(
            detect, photos, sequences=sequences, frames=frames, seed=seed, species=species
        )
    )
    return score(made, lambda fr, fa: assess_presentation(fr, fa, thresholds))

"""Finger positions and captured images shared by scanner, segmenter and encoder."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum, StrEnum

import numpy as np
from numpy.typing import NDArray

GrayImage = NDArray[np.uint8]

DEFAULT_PPI = 500


class Hand(StrEnum):
    RIGHT = "right"
    LEFT = "left"


class Finger(IntEnum):
    """Finger position codes of ISO/IEC 19794-2 (and ANSI/NIST-ITL) table 2."""

    UNKNOWN = 0
    RIGHT_THUMB = 1
    RIGHT_INDEX = 2
    RIGHT_MIDDLE = 3
    RIGHT_RING = 4
    RIGHT_LITTLE = 5
    LEFT_THUMB = 6
    LEFT_INDEX = 7
    LEFT_MIDDLE = 8
    LEFT_RING = 9
    LEFT_LITTLE = 10


def slap_fingers(hand: Hand) -> tuple[Finger, Finger, Finger, Finger]:
    """The four slap fingers of a hand, index to little."""
    if hand is Hand.RIGHT:
        return (Finger.RIGHT_INDEX, Finger.RIGHT_MIDDLE, Finger.RIGHT_RING, Finger.RIGHT_LITTLE)
    return (Finger.LEFT_INDEX, Finger.LEFT_MIDDLE, Finger.LEFT_RING, Finger.LEFT_LITTLE)


@dataclass(frozen=True)
class FingerImage:
    """One finger's grayscale image (dark ridges on light background)."""

    finger: Finger
    pixels: GrayImage
    ppi: int = DEFAULT_PPI


@dataclass(frozen=True)
class SlapImage:
    """A four-finger slap of one hand, as the platen saw it."""

    hand: Hand
    pixels: GrayImage
    ppi: int = DEFAULT_PPI

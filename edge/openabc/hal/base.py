"""Interfaces of the kiosk peripherals, so real drivers and emulators swap freely."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

Frame = npt.NDArray[np.uint8]
"""An RGB image, uint8, shape (height, width, 3)."""


@dataclass(frozen=True, slots=True, repr=False)
class DocumentScan:
    """What the document reader delivers: MRZ text and the printed/chip portrait.

    ``portrait_jpeg`` is untrusted bytes; decode it with ``hal.images.decode_image``.
    It is empty when the reader only sends the MRZ.
    """

    mrz_text: str
    portrait_jpeg: bytes
    chip: bytes = b""
    """The chip's files (DG1, DG2, EF.SOD TLVs); empty when no chip was read."""

    def __repr__(self) -> str:
        # Never let a stray log line print the MRZ (names, document number).
        chars, size, chip = len(self.mrz_text), len(self.portrait_jpeg), len(self.chip)
        return f"DocumentScan(mrz_chars={chars}, portrait_bytes={size}, chip_bytes={chip})"


class DocumentReader(Protocol):
    """A passport/ID reader that hands over one document per call."""

    def read_document(self, timeout: float) -> DocumentScan:
        """Block until a document is read; raise DeviceTimeout or DeviceError."""
        ...


class Camera(Protocol):
    """The face camera in front of the traveller."""

    def capture(self, count: int, timeout: float) -> list[Frame]:
        """``count`` RGB frames; raise DeviceTimeout or CorruptFrame on failure."""
        ...

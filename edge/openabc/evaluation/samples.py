"""Turning one labelled image file into a template, per modality.

Why: the evaluation loop is the same for faces and fingers; only reading,
template extraction and comparison differ. Unreadable files and failures to
enrol are distinct outcomes (a broken file versus a capture the system would
have refused at the kiosk) and are reported separately.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from openabc.evaluation.metrics import Direction
from openabc.hal.device_errors import CorruptFrame
from openabc.hal.images import decode_image

T = TypeVar("T")

IMAGE_FORMATS = ("JPEG", "PNG", "BMP", "TIFF")
MAX_IMAGE_BYTES = 50_000_000
MAX_IMAGE_PIXELS = 40_000_000


class UnreadableImage(Exception):
    """The file is not a decodable image within the size limits."""


class EnrolmentFailure(Exception):
    """The image decoded but yielded no usable template (failure to enrol)."""


class Modality(Protocol[T]):
    """What the evaluation needs from a biometric modality."""

    @property
    def name(self) -> str: ...

    @property
    def direction(self) -> Direction: ...

    @property
    def score_name(self) -> str: ...

    def template(self, path: Path) -> T:
        """Raises UnreadableImage or EnrolmentFailure."""
        ...

    def compare(self, probe: T, reference: T) -> float: ...


def load_rgb(path: Path) -> npt.NDArray[np.uint8]:
    """RGB uint8 pixels of an image file, via the kiosk's bomb-safe decoder."""
    try:
        size = path.stat().st_size
        if size > MAX_IMAGE_BYTES:
            raise UnreadableImage(f"{size} bytes, limit is {MAX_IMAGE_BYTES}")
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableImage(f"cannot read file: {exc.strerror or exc}") from exc
    try:
        return decode_image(
            data,
            max_pixels=MAX_IMAGE_PIXELS,
            max_bytes=MAX_IMAGE_BYTES,
            formats=IMAGE_FORMATS,
        )
    except CorruptFrame as exc:
        raise UnreadableImage(str(exc)) from exc

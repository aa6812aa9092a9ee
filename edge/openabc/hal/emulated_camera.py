"""A face camera for the demo and tests: the presented photo on a plain wall.

Frames are deterministic for a given seed and call sequence, and pass
through JPEG and ``decode_image`` like frames from a real network camera, so
injected corruption hits the same error path as in production.
"""

from __future__ import annotations

import io
import logging
from typing import Literal

import numpy as np
from PIL import Image

from openabc.hal.base import Frame
from openabc.hal.device_errors import DeviceTimeout
from openabc.hal.images import decode_image

log = logging.getLogger(__name__)

FRAME_WIDTH = 640
FRAME_HEIGHT = 480
MAX_FRAMES_PER_CAPTURE = 60
_BACKGROUND = np.array([196, 202, 208], dtype=np.float32)  # pale grey-blue wall
_MAX_SHIFT = 4
_NOISE_SIGMA = 2.0

Fault = Literal["corrupt", "timeout"]


class EmulatedCamera:
    """``Camera`` showing whatever ``present()`` put in front of it."""

    def __init__(self, rng_seed: int) -> None:
        self._rng = np.random.default_rng(rng_seed)
        self._subject: Frame | None = None
        self._faults: list[Fault] = []

    def present(self, face_image: Frame) -> None:
        """The traveller steps up: ``face_image`` is an RGB uint8 HxWx3 photo."""
        if face_image.dtype != np.uint8 or face_image.ndim != 3 or face_image.shape[2] != 3:
            raise ValueError("face_image must be an RGB uint8 array of shape (H, W, 3)")
        if face_image.shape[0] < 8 or face_image.shape[1] < 8:
            raise ValueError("face_image is too small")
        # Scale so the photo's height is 40-55% of the frame (a face at ~1 m).
        share = float(self._rng.uniform(0.40, 0.55))
        height = round(FRAME_HEIGHT * share)
        width = round(face_image.shape[1] * height / face_image.shape[0])
        if width > FRAME_WIDTH - 2 * _MAX_SHIFT:
            width = FRAME_WIDTH - 2 * _MAX_SHIFT
            height = round(face_image.shape[0] * width / face_image.shape[1])
        resized = Image.fromarray(face_image).resize((max(width, 1), max(height, 1)))
        self._subject = np.asarray(resized, dtype=np.uint8)

    def present_nobody(self) -> None:
        """The lane is empty: frames show only the wall."""
        self._subject = None

    def inject_fault(self, fault: Fault) -> None:
        """Make the next ``capture`` fail with a corrupt frame or a timeout."""
        if fault not in ("corrupt", "timeout"):
            raise ValueError(f"unknown fault {fault!r}")
        self._faults.append(fault)

    def capture(self, count: int, timeout: float) -> list[Frame]:
        """``count`` 640x480 RGB frames with small per-frame jitter."""
        if not 1 <= count <= MAX_FRAMES_PER_CAPTURE:
            raise ValueError(f"count must be 1..{MAX_FRAMES_PER_CAPTURE}")
        fault = self._faults.pop(0) if self._faults else None
        if fault == "timeout":
            raise DeviceTimeout(f"camera delivered no frame within {timeout:.1f} s")
        frames = []
        for index in range(count):
            jpeg = _to_jpeg(self._render())
            if fault == "corrupt" and index == count // 2:
                jpeg = jpeg[: len(jpeg) // 2]
            frames.append(decode_image(jpeg))
        log.debug("emulated camera captured %s frames", count)
        return frames

    def _render(self) -> Frame:
        canvas = np.empty((FRAME_HEIGHT, FRAME_WIDTH, 3), dtype=np.float32)
        canvas[:] = _BACKGROUND
        if self._subject is not None:
            h, w = self._subject.shape[:2]
            dy, dx = self._rng.integers(-_MAX_SHIFT, _MAX_SHIFT + 1, size=2)
            top = (FRAME_HEIGHT - h) // 2 + int(dy)
            left = (FRAME_WIDTH - w) // 2 + int(dx)
            canvas[top : top + h, left : left + w] = self._subject
        canvas *= float(self._rng.uniform(0.95, 1.05))
        canvas += self._rng.normal(0.0, _NOISE_SIGMA, size=canvas.shape).astype(np.float32)
        return np.clip(canvas, 0, 255).astype(np.uint8)


def _to_jpeg(frame: Frame) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()

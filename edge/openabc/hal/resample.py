"""Bilinear resampling shared by the emulators that warp photos into camera frames.

Why: the camera emulator and the presentation-attack emulator move faces with
the same arithmetic; one implementation keeps their frames consistent.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatImage = npt.NDArray[np.float32]


def bilinear_sample(
    img: FloatImage, xs: npt.NDArray[np.floating], ys: npt.NDArray[np.floating]
) -> FloatImage:
    """``img`` looked up at (xs, ys); coordinates outside repeat the edge pixels."""
    h, w = img.shape[:2]
    x0 = np.clip(np.floor(xs).astype(np.int64), 0, w - 2)
    y0 = np.clip(np.floor(ys).astype(np.int64), 0, h - 2)
    fx = np.clip(xs - x0, 0.0, 1.0)[..., None]
    fy = np.clip(ys - y0, 0.0, 1.0)[..., None]
    top = img[y0, x0] * (1 - fx) + img[y0, x0 + 1] * fx
    bottom = img[y0 + 1, x0] * (1 - fx) + img[y0 + 1, x0 + 1] * fx
    out: FloatImage = (top * (1 - fy) + bottom * fy).astype(np.float32)
    return out

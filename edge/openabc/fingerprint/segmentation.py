"""Split a four-finger slap into one image per finger.

Kept deliberately simple and predictable: smooth the ink darkness, threshold
it relative to the darkest region, take connected components, keep the four
largest and order them by horizontal position (index to little).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from openabc.fingerprint.types import FingerImage, Hand, SlapImage, slap_fingers

_STEP = 4  # work on a 4x subsampled slap: fingertips are large, speed matters
_SMOOTH_SIGMA = 10.0 / _STEP
_MARGIN = 16
_MIN_AREA_PX = 20_000 // _STEP**2  # ~80 mm^2 at 500 ppi: smaller blobs are smudges
# Foreground above this share of (darkest - background): low enough that one
# dry, faint finger next to three well-pressed ones is still found (it then
# fails quality control and is recaptured, rather than failing the whole slap).
_FG_FRACTION = 0.15


class SegmentationError(ValueError):
    """The slap does not show four separable fingertips."""


@dataclass(frozen=True)
class FingerSegment:
    """A fingertip cut from the slap, with its box (top, left, bottom, right)."""

    image: FingerImage
    box: tuple[int, int, int, int]


def segment_slap(slap: SlapImage) -> list[FingerSegment]:
    """Four segments, index to little, or :class:`SegmentationError`."""
    darkness = 255.0 - slap.pixels[::_STEP, ::_STEP].astype(np.float64)
    smooth = ndimage.gaussian_filter(darkness, _SMOOTH_SIGMA)
    background = float(np.median(smooth))
    peak = float(np.percentile(smooth, 99.5))
    if peak - background < 10.0:
        raise SegmentationError("no fingers on the platen")
    fg = smooth > background + _FG_FRACTION * (peak - background)
    labels, n = ndimage.label(fg)
    if n == 0:
        raise SegmentationError("no fingers on the platen")
    areas = ndimage.sum_labels(fg, labels, index=np.arange(1, n + 1))
    big = [i + 1 for i in np.argsort(-areas)[:4] if areas[i] >= _MIN_AREA_PX]
    if len(big) != 4:
        raise SegmentationError(f"found {len(big)} fingertips, need 4")
    boxes = ndimage.find_objects(labels)
    h, w = slap.pixels.shape
    found: list[tuple[int, int, int, int]] = []
    for label in big:
        ys, xs = boxes[label - 1]
        found.append(
            (
                max(0, ys.start * _STEP - _MARGIN),
                max(0, xs.start * _STEP - _MARGIN),
                min(h, ys.stop * _STEP + _MARGIN),
                min(w, xs.stop * _STEP + _MARGIN),
            )
        )
    found.sort(key=lambda b: b[1] + b[3], reverse=slap.hand is Hand.LEFT)
    out: list[FingerSegment] = []
    for finger, (t, left, b, r) in zip(slap_fingers(slap.hand), found, strict=True):
        crop = np.ascontiguousarray(slap.pixels[t:b, left:r])
        out.append(FingerSegment(FingerImage(finger, crop, slap.ppi), (t, left, b, r)))
    return out

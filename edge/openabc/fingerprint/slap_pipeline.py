"""Slap -> four quality-scored ISO templates, each stage timed.

Raw images stay inside this call; only templates, scores and timings leave it,
except that the caller may collect the finger crops (``images``) to wipe them
after its decision, since segmentation copies them out of the slap.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from openabc.fingerprint.extractor import FingerTemplate, MinutiaeExtractor
from openabc.fingerprint.quality import nfiq2_style_quality
from openabc.fingerprint.segmentation import segment_slap
from openabc.fingerprint.types import Finger, SlapImage


@dataclass(frozen=True)
class CapturedFinger:
    finger: Finger
    quality: int
    template: FingerTemplate


@dataclass
class SlapResult:
    fingers: list[CapturedFinger]
    timings_ms: dict[str, float] = field(default_factory=dict)

    def below(self, min_quality: int) -> list[Finger]:
        """Fingers to recapture because their quality misses the bar."""
        return [f.finger for f in self.fingers if f.quality < min_quality]


def process_slap(
    slap: SlapImage,
    extractor: MinutiaeExtractor,
    images: list[np.ndarray] | None = None,
) -> SlapResult:
    """Segment, score and template the four fingers of one slap.

    Every finger crop is appended to ``images`` (when given) before it is
    processed, so an exception half-way still leaves nothing unwipeable.
    """
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    segments = segment_slap(slap)
    timings["segment"] = (time.perf_counter() - t0) * 1000
    if images is not None:
        images.extend(seg.image.pixels for seg in segments)
    fingers: list[CapturedFinger] = []
    t_quality = t_extract = 0.0
    for seg in segments:
        t1 = time.perf_counter()
        quality = nfiq2_style_quality(seg.image)
        t2 = time.perf_counter()
        template = extractor.extract(seg.image, quality=quality)
        t3 = time.perf_counter()
        t_quality += t2 - t1
        t_extract += t3 - t2
        fingers.append(CapturedFinger(seg.image.finger, quality, template))
    timings["quality"] = t_quality * 1000
    timings["extract"] = t_extract * 1000
    timings["total"] = (time.perf_counter() - t0) * 1000
    return SlapResult(fingers, timings)

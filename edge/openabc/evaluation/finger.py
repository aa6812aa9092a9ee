"""Finger modality: NBIS MINDTCT minutiae and Bozorth3 scores, as at the kiosk.

Why: Bozorth3 scores are counts of compatible minutia pairs whose meaning
depends on the extractor and the image resolution, so the evaluation uses the
production extractor and matcher and assumes the scanner's 500 ppi.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from openabc.evaluation.metrics import Direction
from openabc.evaluation.samples import EnrolmentFailure, load_rgb
from openabc.fingerprint.extractor import FingerTemplate, MinutiaeExtractor
from openabc.fingerprint.matcher import compare
from openabc.fingerprint.types import DEFAULT_PPI, Finger, FingerImage

# ITU-R BT.601 luma, as Pillow's "L" mode: exact for images that are already grey.
_LUMA = np.array([0.299, 0.587, 0.114])


class FingerModality:
    """Templates from single-finger images (dark ridges on a light background)."""

    name = "finger"
    direction = Direction.SIMILARITY
    score_name = "Bozorth3 score (accept when >= threshold)"

    def __init__(self, extractor: MinutiaeExtractor | None = None, ppi: int = DEFAULT_PPI) -> None:
        self._extractor = extractor or MinutiaeExtractor()
        self._ppi = ppi

    def template(self, path: Path) -> FingerTemplate:
        rgb = load_rgb(path)
        grey = np.clip(np.rint(rgb.astype(np.float64) @ _LUMA), 0, 255).astype(np.uint8)
        image = FingerImage(finger=Finger.UNKNOWN, pixels=grey, ppi=self._ppi)
        template = self._extractor.extract(image)
        if not template.view.minutiae:
            raise EnrolmentFailure("no minutiae found")
        return template

    def compare(self, probe: FingerTemplate, reference: FingerTemplate) -> float:
        return compare(probe, reference).score

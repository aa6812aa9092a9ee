"""Single-frame PAD signal: screen moire and print/screen grain in the face region.

Why: independent of motion, a reproduced face carries the medium's traces.
A screen seen by a camera aliases its pixel grid into a narrow-band periodic
pattern (a spike in the face's high-frequency spectrum); paper grain and
screen sub-pixels add fine texture that skin seen directly does not have,
measured as the median absolute Laplacian (robust to edges, which are sparse).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from openabc.inference.detector import FaceDetection

_BAND = (0.14, 0.34)  # cycles/px: periods of ~3-7 px, where screen moire lands


@dataclass(frozen=True)
class TextureEvidence:
    """Medium cues for one frame's face region."""

    moire: float  # band spectrum peak / band mean power
    grain: float  # median |4-neighbour Laplacian| of the face luminance, grey levels


def face_region(frame: npt.NDArray[np.uint8], face: FaceDetection) -> npt.NDArray[np.float64]:
    """The detection box clipped to the frame, as float RGB."""
    h, w = frame.shape[:2]
    x0, y0, x1, y1 = (int(round(v)) for v in face.box)
    x0, y0, x1, y1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if x1 - x0 < 16 or y1 - y0 < 16:
        raise ValueError("face region too small for texture analysis")
    return frame[y0:y1, x0:x1].astype(np.float64)


def moire_peak(grey: npt.NDArray[np.float64]) -> float:
    """Peak-to-mean power in the moire band of a Hann-windowed patch."""
    h, w = grey.shape
    window = np.outer(np.hanning(h), np.hanning(w))
    power = np.abs(np.fft.rfft2((grey - grey.mean()) * window)) ** 2
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    radius = np.hypot(fy, fx)
    band = power[(radius >= _BAND[0]) & (radius <= _BAND[1])]
    return float(band.max() / max(band.mean(), 1e-12))


def grain(grey: npt.NDArray[np.float64]) -> float:
    """Median absolute 4-neighbour Laplacian: fine texture strength."""
    lap = 4 * grey[1:-1, 1:-1] - grey[:-2, 1:-1] - grey[2:, 1:-1] - grey[1:-1, :-2] - grey[1:-1, 2:]
    return float(np.median(np.abs(lap)))


def texture_evidence(frame: npt.NDArray[np.uint8], face: FaceDetection) -> TextureEvidence:
    """Moire and grain of the subject's face region."""
    grey = face_region(frame, face) @ np.array([0.299, 0.587, 0.114])
    return TextureEvidence(moire=moire_peak(grey), grain=grain(grey))

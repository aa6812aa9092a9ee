"""Live face against the chip's face, on the kiosk (Schengen Borders Code art. 8a/8b).

The threshold is the embedder manifest's ``verify_distance``, so the kiosk and
the matcher apply the same calibrated operating point, and recalibrating means
changing one manifest, not code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from openabc.lane.referral import Referral
from openabc.messages import FaceTemplate

FACE_MISMATCH = "face_mismatch"
TEMPLATE_MODEL_MISMATCH = "template_model_mismatch"


@dataclass(frozen=True)
class FaceVerifier:
    """1:1 comparison by euclidean distance at the manifest's threshold."""

    model_id: str
    model_version: str
    verify_distance: float

    def distance(self, live: FaceTemplate, reference: FaceTemplate) -> float:
        """Euclidean distance; refuses templates of another embedding space."""
        for template in (live, reference):
            if (template.model_id, template.model_version) != (self.model_id, self.model_version):
                raise Referral(TEMPLATE_MODEL_MISMATCH)
        return math.dist(live.vector, reference.vector)

    def verify(self, live: FaceTemplate, reference: FaceTemplate) -> float:
        """The distance when it is within the threshold; ``Referral`` otherwise."""
        distance = self.distance(live, reference)
        if not distance <= self.verify_distance:  # also refers on NaN
            raise Referral(FACE_MISMATCH)
        return distance

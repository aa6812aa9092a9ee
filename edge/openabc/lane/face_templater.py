"""Adapts the ONNX face pipeline to the lane's ``FaceTemplater`` port."""

from __future__ import annotations

import numpy as np

from openabc.inference.face_pipeline import FacePipeline
from openabc.messages import FaceTemplate


class PipelineTemplater:
    """Runs detect → align → quality → embed on one image (the document portrait).

    Returns only the template, with its quality scores, and the detection
    confidence; the descriptor array is zeroed once copied into the message.
    """

    def __init__(self, pipeline: FacePipeline) -> None:
        self._pipeline = pipeline

    def template(self, image: np.ndarray) -> tuple[FaceTemplate, float]:
        result = self._pipeline.extract(image)
        template = FaceTemplate(
            model_id=result.model_id,
            model_version=result.model_version,
            vector=tuple(float(v) for v in result.template),
            quality=dict(result.quality.scores) if result.quality is not None else {},
        )
        result.template.fill(0.0)
        return template, result.detection_score

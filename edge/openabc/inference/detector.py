"""MTCNN face detector: image pyramid + P/R/O-Net cascade, numpy only.

Why: the kiosk must find the traveller's face and five landmarks to align it
for the embedder, with models verified by manifest and no OpenCV/torch.
The cascade mirrors facenet-pytorch 2.6.0 (see tools/models/check_mtcnn_reference.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from openabc.inference import mtcnn_stages
from openabc.inference.area_resize import IntegralImage
from openabc.inference.runner import Runner

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FaceDetection:
    """One detected face in image pixel coordinates.

    ``landmarks`` is (5, 2) float64 of (x, y): left eye, right eye, nose,
    mouth left, mouth right, where left/right are as seen in the image
    (the image-left eye is the subject's right eye), MTCNN's order.
    """

    box: tuple[float, float, float, float]
    score: float
    landmarks: npt.NDArray[np.float64]

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]


class FaceDetector:
    """Three-stage MTCNN over injected runners (ONNX in production, fakes in tests)."""

    def __init__(
        self,
        pnet: Runner,
        rnet: Runner,
        onet: Runner,
        *,
        min_face_size: int = 40,
        thresholds: tuple[float, float, float] = (0.6, 0.7, 0.7),
        factor: float = 0.709,
    ) -> None:
        if min_face_size < 12:
            raise ValueError(f"min_face_size must be >= 12 px, got {min_face_size}")
        if not 0.0 < factor < 1.0:
            raise ValueError(f"pyramid factor must be in (0, 1), got {factor}")
        self._pnet, self._rnet, self._onet = pnet, rnet, onet
        self.min_face_size = min_face_size
        self.thresholds = thresholds
        self.factor = factor

    def detect(self, image: npt.NDArray[np.uint8]) -> list[FaceDetection]:
        """Detect faces in an RGB uint8 HxWx3 image; highest score first."""
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"expected RGB uint8 HxWx3 image, got {image.dtype} {image.shape}")
        integral = IntegralImage(image)
        scales = mtcnn_stages.pyramid_scales(
            integral.height, integral.width, self.min_face_size, self.factor
        )
        p_thr, r_thr, o_thr = self.thresholds
        boxes = mtcnn_stages.propose(self._pnet, integral, scales, p_thr)
        n_proposed = len(boxes)
        boxes = mtcnn_stages.refine(self._rnet, integral, boxes, r_thr)
        n_refined = len(boxes)
        boxes, points = mtcnn_stages.output(self._onet, integral, boxes, o_thr)
        logger.debug(
            "mtcnn: %s scales, %s proposals, %s refined, %s faces",
            len(scales),
            n_proposed,
            n_refined,
            len(boxes),
        )
        faces = [
            FaceDetection(
                box=(float(b[0]), float(b[1]), float(b[2]), float(b[3])),
                score=float(b[4]),
                landmarks=np.array(p, dtype=np.float64),
            )
            for b, p in zip(boxes, points, strict=True)
        ]
        faces.sort(key=lambda f: f.score, reverse=True)
        return faces

"""Box arithmetic for the MTCNN cascade: NMS, regression, squaring, crop bounds.

Why a separate module: these are pure numpy functions that mirror
facenet-pytorch 2.6.0 (``models/utils/detect_face.py``) one-for-one, including
its +1 pixel conventions, so detections match the reference implementation.
Boxes are float64 arrays of shape (N, >=4) holding x1, y1, x2, y2 first.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]


def nms_iou(boxes: FloatArray, scores: FloatArray, threshold: float) -> IntArray:
    """Greedy NMS by IoU with area (x2-x1)*(y2-y1), as torchvision.ops.nms.

    Returns kept indices in descending score order; a box is dropped when its
    IoU with an already kept box is strictly greater than ``threshold``.
    """
    return _greedy_nms(boxes, scores, threshold, use_min=False, plus_one=0.0)


def nms_min(boxes: FloatArray, scores: FloatArray, threshold: float) -> IntArray:
    """Greedy NMS by intersection over the smaller area (+1 pixel areas).

    This is MTCNN's final-stage 'Min' NMS: it removes a small box nested
    inside a bigger one even when their IoU is low.
    """
    return _greedy_nms(boxes, scores, threshold, use_min=True, plus_one=1.0)


def _greedy_nms(
    boxes: FloatArray, scores: FloatArray, threshold: float, *, use_min: bool, plus_one: float
) -> IntArray:
    if len(boxes) == 0:
        return np.zeros(0, dtype=np.intp)
    x1, y1, x2, y2 = (boxes[:, k] for k in range(4))
    area = (x2 - x1 + plus_one) * (y2 - y1 + plus_one)
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    while order.size > 0:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        w = np.maximum(0.0, np.minimum(x2[i], x2[rest]) - np.maximum(x1[i], x1[rest]) + plus_one)
        h = np.maximum(0.0, np.minimum(y2[i], y2[rest]) - np.maximum(y1[i], y1[rest]) + plus_one)
        inter = w * h
        if use_min:
            overlap = inter / np.minimum(area[i], area[rest])
        else:
            overlap = inter / np.maximum(area[i] + area[rest] - inter, 1e-12)
        order = rest[overlap <= threshold]
    return np.asarray(keep, dtype=np.intp)


def apply_regression(boxes: FloatArray, reg: FloatArray, *, plus_one: float) -> FloatArray:
    """Shift box corners by regression offsets scaled by box size.

    Stage 1 uses width x2-x1 (``plus_one=0``); stages 2/3 use x2-x1+1 (``bbreg``).
    """
    out = boxes.copy()
    w = boxes[:, 2] - boxes[:, 0] + plus_one
    h = boxes[:, 3] - boxes[:, 1] + plus_one
    out[:, 0] = boxes[:, 0] + reg[:, 0] * w
    out[:, 1] = boxes[:, 1] + reg[:, 1] * h
    out[:, 2] = boxes[:, 2] + reg[:, 2] * w
    out[:, 3] = boxes[:, 3] + reg[:, 3] * h
    return out


def square(boxes: FloatArray) -> FloatArray:
    """Grow each box to a square around its centre (``rerec``)."""
    out = boxes.copy()
    h = boxes[:, 3] - boxes[:, 1]
    w = boxes[:, 2] - boxes[:, 0]
    side = np.maximum(w, h)
    out[:, 0] = boxes[:, 0] + w * 0.5 - side * 0.5
    out[:, 1] = boxes[:, 1] + h * 0.5 - side * 0.5
    out[:, 2] = out[:, 0] + side
    out[:, 3] = out[:, 1] + side
    return out


def crop_bounds(boxes: FloatArray, width: int, height: int) -> IntArray:
    """Integer crop rows/cols [y0, y1, x0, x1) clipped to the image (``pad``).

    Truncates toward zero like facenet-pytorch, clamps the 1-based start to 1,
    then converts to 0-based half-open slices.
    """
    b = np.trunc(boxes[:, :4]).astype(np.intp)
    x0 = np.maximum(b[:, 0], 1) - 1
    y0 = np.maximum(b[:, 1], 1) - 1
    x1 = np.minimum(b[:, 2], width)
    y1 = np.minimum(b[:, 3], height)
    return np.stack([y0, y1, x0, x1], axis=1)

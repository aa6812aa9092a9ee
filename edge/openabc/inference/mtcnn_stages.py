"""The three MTCNN stages (proposal, refine, output) over ONNX runners.

Why: each stage is a small pure function of (runner, integral image, boxes),
mirroring facenet-pytorch 2.6.0 ``detect_face`` step by step, so the cascade
can be checked against the reference and tested with fake runners.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from openabc.inference.area_resize import IntegralImage
from openabc.inference.boxes import (
    FloatArray,
    apply_regression,
    crop_bounds,
    nms_iou,
    nms_min,
    square,
)
from openabc.inference.runner import Runner

_STRIDE = 2
_CELL = 12


def pyramid_scales(height: int, width: int, min_face_size: int, factor: float) -> list[float]:
    """Scales at which a 12 px P-Net window sees faces from min_face_size upwards."""
    m = _CELL / min_face_size
    min_len = min(height, width) * m
    scales: list[float] = []
    scale = m
    while min_len >= _CELL:
        scales.append(scale)
        scale *= factor
        min_len *= factor
    return scales


def _to_net(pixels: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """NHWC 0..255 -> NCHW normalised (x-127.5)/128, the MTCNN input contract."""
    data = (pixels - np.float32(127.5)) * np.float32(0.0078125)
    return np.ascontiguousarray(np.moveaxis(data, -1, -3), dtype=np.float32)


def _grid_boxes(
    reg: npt.NDArray[np.float32], prob: npt.NDArray[np.float32], scale: float, threshold: float
) -> FloatArray:
    """P-Net output map cells above threshold -> rows [x1, y1, x2, y2, score, r0..r3]."""
    rows, cols = np.nonzero(prob >= threshold)
    cells = np.stack([cols, rows], axis=1).astype(np.float64)
    q1 = np.floor((_STRIDE * cells + 1) / scale)
    q2 = np.floor((_STRIDE * cells + _CELL) / scale)
    score = prob[rows, cols].astype(np.float64)[:, None]
    offsets = reg[:, rows, cols].T.astype(np.float64)
    return np.concatenate([q1, q2, score, offsets], axis=1)


def propose(
    pnet: Runner, image: IntegralImage, scales: list[float], threshold: float
) -> FloatArray:
    """Stage 1: dense P-Net over the pyramid; returns squared boxes (N, 5)."""
    found: list[FloatArray] = []
    for scale in scales:
        out_h, out_w = int(image.height * scale + 1), int(image.width * scale + 1)
        batch = _to_net(image.resize(out_h, out_w)[None])
        reg, prob = pnet.run({pnet.input_names[0]: batch})[:2]
        cand = _grid_boxes(reg[0], prob[0, 1], scale, threshold)
        found.append(cand[nms_iou(cand[:, :4], cand[:, 4], 0.5)])
    if not found:
        return np.zeros((0, 5))
    cand = np.concatenate(found)
    cand = cand[nms_iou(cand[:, :4], cand[:, 4], 0.7)]
    boxes = apply_regression(cand[:, :4], cand[:, 5:9], plus_one=0.0)
    return square(np.concatenate([boxes, cand[:, 4:5]], axis=1))


def _crops(
    image: IntegralImage, boxes: FloatArray, size: int
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.bool_]]:
    """Area-resized size x size crops of each box (clipped to the image)."""
    bounds = crop_bounds(boxes, image.width, image.height)
    valid = (bounds[:, 1] > bounds[:, 0]) & (bounds[:, 3] > bounds[:, 2])
    pixels = np.zeros((int(valid.sum()), size, size, 3), dtype=np.float32)
    for k, (y0, y1, x0, x1) in enumerate(bounds[valid]):
        pixels[k] = image.resize(size, size, rows=(int(y0), int(y1)), cols=(int(x0), int(x1)))
    return _to_net(pixels), valid


def refine(rnet: Runner, image: IntegralImage, boxes: FloatArray, threshold: float) -> FloatArray:
    """Stage 2: R-Net on 24x24 crops; keeps, regresses and squares boxes (N, 5)."""
    if len(boxes) == 0:
        return boxes
    batch, valid = _crops(image, boxes, 24)
    boxes = boxes[valid]
    if len(boxes) == 0:
        return boxes[:0]
    reg, prob = rnet.run({rnet.input_names[0]: batch})[:2]
    keep = prob[:, 1] > threshold
    boxes = np.concatenate([boxes[keep, :4], prob[keep, 1:2].astype(np.float64)], axis=1)
    reg = reg[keep].astype(np.float64)
    pick = nms_iou(boxes[:, :4], boxes[:, 4], 0.7)
    return square(apply_regression(boxes[pick], reg[pick], plus_one=1.0))


def output(
    onet: Runner, image: IntegralImage, boxes: FloatArray, threshold: float
) -> tuple[FloatArray, FloatArray]:
    """Stage 3: O-Net on 48x48 crops -> final boxes (N, 5) and landmarks (N, 5, 2)."""
    if len(boxes) == 0:
        return boxes, np.zeros((0, 5, 2))
    batch, valid = _crops(image, boxes, 48)
    boxes = boxes[valid]
    if len(boxes) == 0:
        return boxes[:0], np.zeros((0, 5, 2))
    reg, marks, prob = onet.run({onet.input_names[0]: batch})[:3]
    keep = prob[:, 1] > threshold
    boxes = np.concatenate([boxes[keep, :4], prob[keep, 1:2].astype(np.float64)], axis=1)
    marks = marks[keep].astype(np.float64)
    w = boxes[:, 2:3] - boxes[:, 0:1] + 1
    h = boxes[:, 3:4] - boxes[:, 1:2] + 1
    xs = w * marks[:, :5] + boxes[:, 0:1] - 1
    ys = h * marks[:, 5:10] + boxes[:, 1:2] - 1
    points = np.stack([xs, ys], axis=2)
    boxes = apply_regression(boxes, reg[keep].astype(np.float64), plus_one=1.0)
    pick = nms_min(boxes[:, :4], boxes[:, 4], 0.7)
    return boxes[pick], points[pick]

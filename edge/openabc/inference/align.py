"""Face alignment: 5 MTCNN landmarks -> 150x150 chip framed like dlib's face chip.

Why: the dlib ResNet embedder was trained on chips from dlib's
``get_face_chip(img, shape, size=150, padding=0.25)``. We do not run dlib's
landmarker, so we map MTCNN's landmarks with a least-squares similarity
(Umeyama) onto a template fitted to reproduce dlib's framing.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image

TEMPLATE_SIZE = 150

# MTCNN landmarks (left eye, right eye, nose, mouth left, mouth right; image
# left/right) in dlib 150 px chip coordinates (padding 0.25, pixel centres at
# integers). Fitted by tools/models/fit_align_template.py on seeds/faces
# (+ mirrored copies); re-run it to refit.
TEMPLATE_150: npt.NDArray[np.float64] = np.array(
    [
        [47.0782, 45.8436],
        [102.1575, 46.0425],
        [74.2610, 76.4140],
        [47.9922, 103.7326],
        [100.7902, 103.9021],
    ],
    dtype=np.float64,
)


def similarity_transform(
    src: npt.NDArray[np.float64], dst: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Least-squares similarity (rotation, uniform scale, shift) src -> dst, Umeyama 1991.

    Returns a 2x3 matrix M with dst ~= M[:, :2] @ src + M[:, 2].
    """
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    if src.shape != dst.shape or src.ndim != 2 or src.shape[1] != 2 or len(src) < 2:
        raise ValueError(f"need matching (N>=2, 2) point sets, got {src.shape} and {dst.shape}")
    src_mean, dst_mean = src.mean(axis=0), dst.mean(axis=0)
    src_c, dst_c = src - src_mean, dst - dst_mean
    src_var = float((src_c**2).sum()) / len(src)
    if src_var <= 0.0:
        raise ValueError("source points are degenerate (all equal)")
    cov = dst_c.T @ src_c / len(src)
    u, sig, vt = np.linalg.svd(cov)
    d = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        d[1, 1] = -1.0
    rot = u @ d @ vt
    scale = float(np.trace(np.diag(sig) @ d)) / src_var
    matrix = np.zeros((2, 3))
    matrix[:, :2] = scale * rot
    matrix[:, 2] = dst_mean - scale * rot @ src_mean
    return matrix


def warp_to_chip(
    image: npt.NDArray[np.uint8], image_to_chip: npt.NDArray[np.float64], size: int
) -> npt.NDArray[np.uint8]:
    """Bilinear-sample a size x size chip through a 2x3 image->chip affine map.

    Both maps use pixel centres at integer coordinates (dlib's convention);
    Pillow puts centres at +0.5, hence the half-pixel shifts. Outside is black.
    """
    fwd = np.vstack([image_to_chip, [0.0, 0.0, 1.0]])
    inv = np.linalg.inv(fwd)[:2]
    a, b, c = inv[0]
    d, e, f = inv[1]
    coeffs = (a, b, c + 0.5 - 0.5 * (a + b), d, e, f + 0.5 - 0.5 * (d + e))
    chip = Image.fromarray(image).transform(
        (size, size), Image.Transform.AFFINE, coeffs, resample=Image.Resampling.BILINEAR
    )
    return np.asarray(chip, dtype=np.uint8)


def align_face(
    image: npt.NDArray[np.uint8], landmarks: npt.NDArray[np.float64], *, size: int = 150
) -> npt.NDArray[np.uint8]:
    """Return a size x size x 3 uint8 chip aligned like dlib's face chip (padding 0.25)."""
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"expected RGB uint8 HxWx3 image, got {image.dtype} {image.shape}")
    if landmarks.shape != (5, 2):
        raise ValueError(f"expected (5, 2) landmarks, got {landmarks.shape}")
    if size < 8:
        raise ValueError(f"chip size must be >= 8, got {size}")
    template = TEMPLATE_150 * (size / TEMPLATE_SIZE)
    matrix = similarity_transform(landmarks.astype(np.float64), template)
    return warp_to_chip(image, matrix, size)

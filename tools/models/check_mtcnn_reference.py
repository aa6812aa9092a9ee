"""Compare our ONNX/numpy MTCNN against facenet-pytorch's torch detect_face.

Why: a tooling check (not a unit test: it needs the torch venv and the wheel)
that the exported nets plus our cascade reproduce the reference detections.
Images are decoded once here (Pillow in .venv) and handed over as .npy so
both sides see identical pixels.

    .venv/bin/python tools/models/check_mtcnn_reference.py [--wheel WHEEL] [IMAGES...]
Exit code 1 if any image differs by more than the tolerances.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

from openabc.inference.detector import FaceDetector
from openabc.inference.runner import load_verified_runner

ROOT = Path(__file__).resolve().parents[2]
TOOLS_PY = ROOT / ".venv-models" / "bin" / "python"
BOX_TOL_PX = 1.0
SCORE_TOL = 1e-3


def build_detector(min_face: int) -> FaceDetector:
    runners = [
        load_verified_runner(ROOT / "models" / f"mtcnn-{n}" / "2.6.0" / "manifest.yaml")[1]
        for n in ("pnet", "rnet", "onet")
    ]
    return FaceDetector(*runners, min_face_size=min_face)


def fetch_wheel(dest: Path) -> Path:
    subprocess.run(
        [
            str(TOOLS_PY),
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--quiet",
            "facenet-pytorch==2.6.0",
            "-d",
            str(dest),
        ],
        check=True,
    )
    return next(dest.glob("facenet_pytorch-*.whl"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wheel", type=Path)
    parser.add_argument("--min-face", type=int, default=40)
    parser.add_argument("images", nargs="*", type=Path)
    args = parser.parse_args()
    images = args.images or sorted((ROOT / "seeds" / "faces").glob("*.jpg"))
    detector = build_detector(args.min_face)
    worst_box, worst_pts, worst_score, failures = 0.0, 0.0, 0.0, 0
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(Path(tmp))
        arrays = {}
        for path in images:
            arrays[path.stem] = np.asarray(Image.open(path).convert("RGB"))
            np.save(Path(tmp) / f"{path.stem}.npy", arrays[path.stem])
        out = Path(tmp) / "ref.json"
        subprocess.run(
            [
                str(TOOLS_PY),
                str(ROOT / "tools/models/mtcnn_reference.py"),
                str(wheel),
                tmp,
                str(out),
                str(args.min_face),
            ],
            check=True,
        )
        reference = json.loads(out.read_text())
    for stem, image in arrays.items():
        ref = reference[stem]
        ref_boxes = np.array(ref["boxes"]).reshape(-1, 5)
        order = np.argsort(-ref_boxes[:, 4], kind="stable")
        ref_boxes = ref_boxes[order]
        ref_pts = np.array(ref["points"]).reshape(-1, 5, 2)[order]
        faces = detector.detect(image)
        if len(faces) != len(ref_boxes):
            print(f"{stem}: {len(faces)} faces vs reference {len(ref_boxes)}  FAIL")
            failures += 1
            continue
        ours = np.array([[*f.box, f.score] for f in faces]).reshape(-1, 5)
        pts = np.array([f.landmarks for f in faces]).reshape(-1, 5, 2)
        d_box = float(np.abs(ours[:, :4] - ref_boxes[:, :4]).max(initial=0.0))
        d_pts = float(np.abs(pts - ref_pts).max(initial=0.0))
        d_score = float(np.abs(ours[:, 4] - ref_boxes[:, 4]).max(initial=0.0))
        ok = d_box <= BOX_TOL_PX and d_pts <= BOX_TOL_PX and d_score <= SCORE_TOL
        failures += 0 if ok else 1
        worst_box, worst_pts = max(worst_box, d_box), max(worst_pts, d_pts)
        worst_score = max(worst_score, d_score)
        print(
            f"{stem}: {len(faces)} face(s) max|dbox|={d_box:.1e}px max|dlandmark|={d_pts:.1e}px "
            f"max|dscore|={d_score:.2e}  {'ok' if ok else 'FAIL'}"
        )
    print(
        f"worst: box {worst_box:.1e}px, landmarks {worst_pts:.1e}px, score {worst_score:.2e}; "
        f"{failures} failure(s)"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())

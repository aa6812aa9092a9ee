"""Reference MTCNN detections from facenet-pytorch's own ``detect_face`` (torch).

Why: our numpy cascade claims to mirror facenet-pytorch 2.6.0; this runs the
upstream ``models/utils/detect_face.py`` straight from the pinned wheel with
the original torch weights, so the claim can be checked. torchvision (only
``batched_nms`` is used) is stubbed with a pure-torch NMS of the same
semantics, because torchvision does not match the pinned local torch.

Run in the tooling venv (called by check_mtcnn_reference.py):
    .venv-models/bin/python tools/models/mtcnn_reference.py WHEEL IN_DIR OUT_JSON MIN_FACE
"""

from __future__ import annotations

import json
import sys
import types
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
from export_mtcnn import load_state_dict
from mtcnn_nets import ONet, PNet, RNet


def _nms(boxes: torch.Tensor, scores: torch.Tensor, thr: float) -> torch.Tensor:
    order = torch.argsort(scores, descending=True, stable=True)
    x1, y1, x2, y2 = boxes.unbind(1)
    area = (x2 - x1) * (y2 - y1)
    keep: list[int] = []
    while order.numel() > 0:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        w = (torch.minimum(x2[i], x2[rest]) - torch.maximum(x1[i], x1[rest])).clamp(min=0)
        h = (torch.minimum(y2[i], y2[rest]) - torch.maximum(y1[i], y1[rest])).clamp(min=0)
        inter = w * h
        iou = inter / (area[i] + area[rest] - inter)
        order = rest[iou <= thr]
    return torch.as_tensor(keep, dtype=torch.long)


def _batched_nms(
    boxes: torch.Tensor, scores: torch.Tensor, idxs: torch.Tensor, thr: float
) -> torch.Tensor:
    if boxes.numel() == 0:
        return torch.empty((0,), dtype=torch.long)
    offsets = idxs.to(boxes) * (boxes.max() + 1)
    return _nms(boxes + offsets[:, None], scores, thr)


def _install_stubs() -> None:
    tv = types.ModuleType("torchvision")
    transforms = types.ModuleType("torchvision.transforms")
    functional = types.ModuleType("torchvision.transforms.functional")
    ops = types.ModuleType("torchvision.ops")
    ops_boxes = types.ModuleType("torchvision.ops.boxes")
    ops_boxes.batched_nms = _batched_nms  # type: ignore[attr-defined]
    transforms.functional = functional  # type: ignore[attr-defined]
    mods = {
        "torchvision": tv,
        "torchvision.transforms": transforms,
        "torchvision.transforms.functional": functional,
        "torchvision.ops": ops,
        "torchvision.ops.boxes": ops_boxes,
    }
    if "PIL" not in sys.modules:
        pil = types.ModuleType("PIL")
        pil.Image = types.ModuleType("PIL.Image")  # type: ignore[attr-defined]
        mods.update({"PIL": pil, "PIL.Image": pil.Image})  # type: ignore[attr-defined]
    sys.modules.update(mods)


def load_detect_face(wheel: Path) -> Any:
    _install_stubs()
    with zipfile.ZipFile(wheel) as zf:
        source = zf.read("facenet_pytorch/models/utils/detect_face.py").decode()
    module = types.ModuleType("fnp_detect_face")
    exec(
        compile(source, "facenet_pytorch/models/utils/detect_face.py", "exec"),  # noqa: S102
        module.__dict__,
    )
    return module.detect_face


def main(argv: list[str]) -> int:
    wheel, in_dir, out_json, min_face = Path(argv[0]), Path(argv[1]), Path(argv[2]), int(argv[3])
    detect_face = load_detect_face(wheel)
    nets = []
    for name, cls in (("pnet", PNet), ("rnet", RNet), ("onet", ONet)):
        net = cls()
        net.load_state_dict(load_state_dict(wheel, name))
        nets.append(net.eval())
    results: dict[str, Any] = {}
    with torch.no_grad():
        for path in sorted(in_dir.glob("*.npy")):
            image = np.load(path)
            boxes, points = detect_face(image, min_face, *nets, [0.6, 0.7, 0.7], 0.709, "cpu")
            results[path.stem] = {
                "boxes": np.asarray(boxes[0], dtype=float).tolist(),
                "points": np.asarray(points[0], dtype=float).tolist(),
            }
    out_json.write_text(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Export the MTCNN P/R/O-Nets shipped in facenet-pytorch 2.6.0 to ONNX.

Why: the kiosk runs ONNX Runtime only; this script turns the MIT-licensed
weights inside the pinned wheel into verified model files + manifests,
byte-for-byte reproducibly (run it twice, same sha256).

Run with the tooling venv (torch CPU, onnx, numpy):
    .venv-models/bin/python tools/models/export_mtcnn.py [--wheel PATH] [--out models]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import subprocess
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any

import onnx
import torch
from mtcnn_manifest import write_manifest
from mtcnn_nets import ONet, PNet, RNet
from torch import nn

WHEEL_NAME = "facenet-pytorch"
WHEEL_VERSION = "2.6.0"
# sha256 of facenet_pytorch-2.6.0-py3-none-any.whl (PyPI), pinned so the inputs are fixed.
WHEEL_SHA256 = "ecb82b27beb226d106f2219efe8f829b01b87a8595badd01545679bdb9f19cca"
OPSET = 17


def fetch_wheel(dest: Path) -> Path:
    """Download the pinned wheel with pip (no deps) into dest."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--quiet",
            f"{WHEEL_NAME}=={WHEEL_VERSION}",
            "-d",
            str(dest),
        ],
        check=True,
    )
    return next(dest.glob("facenet_pytorch-*.whl"))


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_state_dict(wheel: Path, name: str) -> dict[str, torch.Tensor]:
    """Read facenet_pytorch/data/<name>.pt from the wheel without importing it."""
    with zipfile.ZipFile(wheel) as zf:
        raw = zf.read(f"facenet_pytorch/data/{name}.pt")
    state = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    return dict(state)


def export_net(net: nn.Module, spec: dict[str, Any], path: Path) -> None:
    """Trace-export one net with the legacy (TorchScript) exporter."""
    net.eval()
    dummy = torch.zeros(spec["dummy_shape"], dtype=torch.float32)
    buf = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # legacy exporter is deliberate
        torch.onnx.export(
            net,
            (dummy,),
            buf,
            input_names=["input"],
            output_names=spec["outputs"],
            dynamic_axes=spec["dynamic_axes"],
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    model = onnx.load_from_string(buf.getvalue())
    model.producer_name = "openabc-export-mtcnn"
    model.producer_version = WHEEL_VERSION
    onnx.checker.check_model(model, full_check=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(model.SerializeToString(deterministic=True))


NETS: dict[str, dict[str, Any]] = {
    "pnet": {
        "cls": PNet,
        "dummy_shape": (1, 3, 48, 64),
        "outputs": ["reg", "prob"],
        "dynamic_axes": {
            "input": {0: "N", 2: "H", 3: "W"},
            "reg": {0: "N", 2: "h", 3: "w"},
            "prob": {0: "N", 2: "h", 3: "w"},
        },
    },
    "rnet": {
        "cls": RNet,
        "dummy_shape": (2, 3, 24, 24),
        "outputs": ["reg", "prob"],
        "dynamic_axes": {"input": {0: "N"}, "reg": {0: "N"}, "prob": {0: "N"}},
    },
    "onet": {
        "cls": ONet,
        "dummy_shape": (2, 3, 48, 48),
        "outputs": ["reg", "landmarks", "prob"],
        "dynamic_axes": {
            "input": {0: "N"},
            "reg": {0: "N"},
            "landmarks": {0: "N"},
            "prob": {0: "N"},
        },
    },
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--wheel", type=Path, help="local facenet-pytorch 2.6.0 wheel")
    parser.add_argument("--out", type=Path, default=Path("models"))
    parser.add_argument(
        "--check-reproducible",
        action="store_true",
        help="export twice and fail unless the bytes are identical",
    )
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or fetch_wheel(Path(tmp))
        wheel_sha = sha256_file(wheel)
        if wheel_sha != WHEEL_SHA256:
            print(f"wheel sha256 mismatch: {wheel_sha}", file=sys.stderr)
            return 2
        for name, spec in NETS.items():
            net = spec["cls"]()
            net.load_state_dict(load_state_dict(wheel, name))
            model_dir = args.out / f"mtcnn-{name}" / WHEEL_VERSION
            onnx_path = model_dir / "model.onnx"
            export_net(net, spec, onnx_path)
            digest = sha256_file(onnx_path)
            if args.check_reproducible:
                again = Path(tmp) / f"{name}-again.onnx"
                export_net(net, spec, again)
                if sha256_file(again) != digest:
                    print(f"{name}: export is not byte-reproducible", file=sys.stderr)
                    return 3
            write_manifest(name, model_dir, digest, wheel_sha)
            print(f"{onnx_path}  sha256={digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Train the PAD texture CNN on emulated chips and export it to ONNX (step 2 of 2).

Why: no pretrained face anti-spoofing weights with a licence fit for a border
were available (edge/openabc/pad/MODEL_SEARCH.md), so the project trains its
own tiny model here: its weights, data and licence are all ours and recorded
in the manifest. Training is CPU-only, single-threaded and seeded, so the
same chips give byte-identical model.onnx (checked by `make models-pad-check`).

Input: the .npz written by tools/models/train_pad_data.py (kiosk venv).
Run with the tooling venv (torch CPU, onnx, numpy):
    .venv-models/bin/python tools/models/train_pad_cnn.py --data .cache/pad/train.npz --out models
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import torch
from torch import nn

MODEL_ID, VERSION = "pad-texture-cnn", "1.0.0"
OPSET = 17
CHIP, TRAIN_CHIP = 96, 112
SEED = 20261127
EPOCHS = 12
BATCH = 32
LR = 3e-3
THRESHOLD = 0.5


class PadTextureCnn(nn.Module):
    """Four 3x3 conv blocks, global average pool, one logit: ~15k parameters.

    Why this shape: the first conv runs at full chip resolution (stride 1, no
    pooling before it) so 3-6 px moire and paper grain reach it un-aliased;
    global pooling makes the verdict a texture statistic over the face rather
    than a face-shape detector, which matters with only three training photos.
    """

    def __init__(self) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        channels = [3, 8, 16, 32, 32]
        for i, (cin, cout) in enumerate(zip(channels[:-1], channels[1:], strict=True)):
            layers += [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout)]
            layers.append(nn.ReLU(inplace=True))
            if i < len(channels) - 2:
                layers.append(nn.MaxPool2d(2))
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(channels[-1], 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = (x - 127.5) / 128.0  # callers feed RGB 0..255; normalisation lives in the graph
        x = self.features(x).mean(dim=(2, 3))
        return self.head(x)


class Exported(nn.Module):
    """The trained net with a sigmoid: outputs the attack probability directly."""

    def __init__(self, net: PadTextureCnn) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.net(x))


def augment(chips: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Random 96 px crop of the 112 px chip, mirror, and exposure/white-balance jitter.

    Why: a kiosk sees the face a few px off-centre and under varying light;
    jittering exposure and colour pushes the net towards texture rather than
    the emulator's exact tone curves.
    """
    n = len(chips)
    out = np.empty((n, CHIP, CHIP, 3), np.float32)
    offs = rng.integers(0, TRAIN_CHIP - CHIP + 1, size=(n, 2))
    flips = rng.random(n) < 0.5
    gains = rng.uniform(0.8, 1.2, size=(n, 1, 1, 1)) * rng.uniform(0.93, 1.07, size=(n, 1, 1, 3))
    for i in range(n):
        oy, ox = offs[i]
        c = chips[i, oy : oy + CHIP, ox : ox + CHIP].astype(np.float32)
        out[i] = c[:, ::-1] if flips[i] else c
    out = np.clip(out * gains.astype(np.float32), 0.0, 255.0)
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2))


def train(chips: np.ndarray, attack: np.ndarray) -> tuple[PadTextureCnn, list[float]]:
    """Fixed-seed Adam with a class-balanced loss (two attack species, one bona fide)."""
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    net = PadTextureCnn()
    opt = torch.optim.Adam(net.parameters(), lr=LR, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=EPOCHS)
    n_pos = float(attack.sum())
    pos_weight = torch.tensor([(len(attack) - n_pos) / n_pos])
    loss_fn = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    losses = []
    for _epoch in range(EPOCHS):
        net.train()
        order = rng.permutation(len(chips))
        total = 0.0
        for start in range(0, len(order), BATCH):
            idx = order[start : start + BATCH]
            x = torch.from_numpy(augment(chips[idx], rng))
            y = torch.from_numpy(attack[idx].astype(np.float32))[:, None]
            opt.zero_grad()
            loss = loss_fn(net(x), y)
            loss.backward()
            opt.step()
            total += float(loss) * len(idx)
        sched.step()
        losses.append(total / len(chips))
        print(f"epoch {_epoch + 1:2d}  loss {losses[-1]:.4f}", flush=True)
    net.eval()
    return net, losses


def export(net: PadTextureCnn, path: Path) -> None:
    """Legacy (TorchScript) exporter, opset 17, dynamic batch; byte-stable output."""
    model = Exported(net).eval()
    buf = io.BytesIO()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # legacy exporter is deliberate
        torch.onnx.export(
            model,
            (torch.zeros(2, 3, CHIP, CHIP),),
            buf,
            input_names=["input"],
            output_names=["attack_score"],
            dynamic_axes={"input": {0: "N"}, "attack_score": {0: "N"}},
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    proto = onnx.load_from_string(buf.getvalue())
    proto.producer_name = "openabc-train-pad-cnn"
    proto.producer_version = VERSION
    onnx.checker.check_model(proto, full_check=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(proto.SerializeToString(deterministic=True))


def manifest(sha256: str, data: Any, train_acc: float) -> dict[str, Any]:
    photos = ", ".join(str(p) for p in data["photos"])
    n = len(data["species"])
    counts = np.bincount(data["species"], minlength=3)
    return {
        "id": MODEL_ID,
        "version": VERSION,
        "task": "presentation-attack-detection-texture",
        "file": "model.onnx",
        "sha256": sha256,
        "inputs": [
            {
                "name": "input",
                "shape": ["N", 3, CHIP, CHIP],
                "dtype": "float32",
                "layout": "NCHW",
                "pixel_format": (
                    "RGB float32 0..255; face chip from openabc.pad.model_signal.pad_chip "
                    "(similarity-aligned on the 5 MTCNN landmarks, 64 px between the eyes, "
                    "96x96 centred on the landmark centroid)"
                ),
                "normalisation": "none by the caller: the graph computes (x - 127.5) / 128",
            }
        ],
        "outputs": [
            {
                "name": "attack_score",
                "shape": ["N", 1],
                "dtype": "float32",
                "layout": "NC: probability that the chip shows a presentation attack",
            }
        ],
        "thresholds": {"attack_score": THRESHOLD},
        "threshold_notes": (
            "0.5 on the sigmoid output, trained with a class-balanced loss; "
            "openabc.pad averages it over a sequence's frames. Set on emulated data only "
            f"(training accuracy {train_acc:.3f} per chip, un-augmented); evaluation on "
            "held-out identities in bench/bench_pad.py. Must be recalibrated on real "
            "attack recordings before use at a border."
        ),
        "provenance": (
            f"Trained from scratch in this repository by tools/models/train_pad_cnn.py "
            f"(torch {torch.__version__} CPU, 1 thread, deterministic algorithms, seed {SEED}, "
            f"{EPOCHS} epochs Adam lr {LR}, batch {BATCH}; numpy {np.__version__}, onnx "
            f"{onnx.__version__}; torch.onnx legacy exporter, opset {OPSET}). No pretrained "
            f"weights. Training data: {n} face chips (bona fide {counts[0]}, print "
            f"{counts[1]}, screen {counts[2]}) rendered by tools/models/train_pad_data.py "
            f"with openabc.pad.emulated_attacks from seeds/faces photos {photos} "
            f"(one identity) and sequence seeds >= 5000000, {int(data['sequences'])} "
            f"sequences x {int(data['frames'])} frames per photo and species; "
            f"data sha256 {str(data['digest'])} (rendered with {str(data['tools'])}). "
            "Photo licences: seeds/faces/PROVENANCE.md "
            "(face_recognition 1.3.0 test images, MIT-licensed package, apparently US "
            "government portraits; origin not documented by the package). "
            "Held out for evaluation: identities biden and astronaut "
            "and seeds < 5000000. Attack species are emulated (print, screen replay), not "
            "recorded: error rates on them are an upper bound."
        ),
        "licence": (
            "Apache-2.0 (OpenABC project; weights trained in-repo from the data above, "
            "no third-party weights)"
        ),
        "converted_by": "tools/models/train_pad_cnn.py",
    }


def write_manifest(path: Path, content: dict[str, Any]) -> None:
    """Deterministic YAML (JSON scalars are valid YAML); no PyYAML in the tooling venv."""
    lines = ["# Generated by tools/models/train_pad_cnn.py - do not edit by hand."]
    for key, value in content.items():
        if key in ("inputs", "outputs"):
            lines.append(f"{key}:")
            for tensor in value:
                first = True
                for k, v in tensor.items():
                    lines.append(f"  {'- ' if first else '  '}{k}: {json.dumps(v)}")
                    first = False
        elif key == "thresholds":
            lines.append(f"{key}:")
            lines += [f"  {k}: {json.dumps(v)}" for k, v in value.items()]
        else:
            lines.append(f"{key}: {json.dumps(value)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("models"))
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    start = time.perf_counter()
    data = np.load(args.data)
    chips, species = data["chips"], data["species"]
    digest = hashlib.sha256(chips.tobytes() + species.tobytes()).hexdigest()
    if digest != str(data["digest"]):
        raise SystemExit("training data digest mismatch")
    attack = (species != 0).astype(np.int64)
    net, _ = train(chips, attack)
    with torch.no_grad():
        centre = (TRAIN_CHIP - CHIP) // 2
        x = chips[:, centre : centre + CHIP, centre : centre + CHIP]
        x_t = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2), np.float32))
        p = torch.sigmoid(net(x_t)).numpy()[:, 0]
    acc = float(np.mean((p >= THRESHOLD) == (attack == 1)))
    model_dir = args.out / MODEL_ID / VERSION
    onnx_path = model_dir / "model.onnx"
    export(net, onnx_path)
    sha = hashlib.sha256(onnx_path.read_bytes()).hexdigest()
    write_manifest(model_dir / "manifest.yaml", manifest(sha, data, acc))
    size = onnx_path.stat().st_size
    print(f"train acc {acc:.3f}; {onnx_path} {size} bytes sha256={sha}")
    print(f"trained in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

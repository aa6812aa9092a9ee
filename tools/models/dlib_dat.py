"""Deserialise dlib's ``serialize()`` stream for the face-recognition ResNet.

Why: dlib's weights ship in dlib's own binary format; reading it with numpy
means the conversion needs no dlib build. Only what inference needs is kept;
training state (gradients, cached outputs, learning-rate multipliers) is
read and dropped so the whole stream is consumed and validated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


class DatReader:
    """Sequential reader for dlib's serialize() stream."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def int_(self) -> int:
        """dlib packed int: control byte (sign bit, byte count) then little-endian bytes."""
        ctrl = self.data[self.pos]
        size, negative = ctrl & 0x0F, bool(ctrl & 0x80)
        if ctrl & 0x70 or size > 8:
            raise ValueError(f"bad packed-int control byte {ctrl:#x} at {self.pos}")
        raw = self.data[self.pos + 1 : self.pos + 1 + size]
        self.pos += 1 + size
        value = int.from_bytes(raw, "little")
        return -value if negative else value

    def str_(self) -> str:
        n = self.int_()
        text = self.data[self.pos : self.pos + n].decode("ascii")
        self.pos += n
        return text

    def float_(self) -> float:
        """dlib stores floats portably as (mantissa, exponent) packed ints."""
        mantissa, exponent = self.int_(), self.int_()
        return float(np.float32(mantissa * 2.0**exponent))

    def bool_(self) -> bool:
        ch = self.data[self.pos : self.pos + 1]
        self.pos += 1
        if ch not in (b"0", b"1"):
            raise ValueError(f"bad bool at {self.pos - 1}")
        return ch == b"1"

    def tensor(self) -> np.ndarray:
        self.expect_int(2, "tensor version")
        shape = [self.int_() for _ in range(4)]
        count = int(np.prod(shape))
        arr = np.frombuffer(self.data, dtype="<f4", count=count, offset=self.pos)
        self.pos += 4 * count
        return arr.astype(np.float32).reshape(shape)

    def alias(self) -> tuple[int, ...]:
        self.expect_int(1, "alias_tensor version")
        return tuple(self.int_() for _ in range(4))

    def expect_int(self, value: int, what: str) -> None:
        got = self.int_()
        if got != value:
            raise ValueError(f"{what}: expected {value}, got {got} at {self.pos}")

    def expect_str(self, value: str) -> None:
        got = self.str_()
        if got != value:
            raise ValueError(f"expected layer {value!r}, got {got!r} at {self.pos}")


@dataclass
class Layer:
    """One dlib layer's inference-relevant payload (unused fields stay empty)."""

    kind: str
    w: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    b: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    k: tuple[int, int] = (0, 0)
    stride: tuple[int, int] = (1, 1)
    pad: tuple[int, int] = (0, 0)


def _read_details(r: DatReader) -> Layer:
    """Read one layer's details record; unknown layer types are an error, not skipped."""
    name = r.str_()
    if name == "con_4":
        params = r.tensor().reshape(-1)
        _nf, nr, nc, sy, sx, py, px = (r.int_() for _ in range(7))
        filt = r.alias()
        r.alias()
        for _ in range(4):
            r.float_()  # learning-rate / weight-decay multipliers
        nw = int(np.prod(filt))
        return Layer("con", params[:nw].reshape(filt), params[nw:], (nr, nc), (sy, sx), (py, px))
    if name == "affine_":
        params = r.tensor().reshape(-1)
        r.alias()
        r.alias()
        if r.int_() != 0:
            raise ValueError("expected affine_ in CONV_MODE (0)")
        half = params.size // 2
        return Layer("affine", params[:half], params[half:])
    if name == "relu_":
        return Layer("relu")
    if name in ("max_pool_2", "avg_pool_2"):
        nr, nc, sy, sx, py, px = (r.int_() for _ in range(6))
        return Layer(name[:-2], k=(nr, nc), stride=(sy, sx), pad=(py, px))
    if name == "add_prev_":
        return Layer("add_prev")
    if name == "fc_2":
        n_out, n_in = r.int_(), r.int_()
        params = r.tensor().reshape(-1)
        r.alias()
        r.alias()
        bias_mode = r.int_()
        for _ in range(4):
            r.float_()
        if bias_mode != 1 or params.size != n_out * n_in:
            raise ValueError("expected fc_no_bias")
        return Layer("fc", params.reshape(n_in, n_out))
    raise ValueError(f"unsupported dlib layer {name!r}")


def parse_dat(data: bytes) -> tuple[dict[str, float], list[Layer]]:
    """Return input normalisation and the layers ordered input -> output.

    Tags and skips (version-1 wrappers with no payload) become ``wrap`` layers.
    """
    r = DatReader(data)
    r.expect_int(1, "loss layer version")
    r.expect_str("loss_metric_2")
    r.float_(), r.float_()  # margin, distance threshold (training only)
    versions: list[int] = []
    while not versions or versions[-1] != 3:
        versions.append(r.int_())
    r.expect_str("input_rgb_image_sized")
    norm = {c: r.float_() for c in ("r", "g", "b")}
    size = r.int_()
    r.expect_int(size, "input columns")  # square chip
    norm["size"] = size
    layers: list[Layer] = []
    for version in reversed(versions):
        if version == 1:
            layers.append(Layer("wrap"))
            continue
        layers.append(_read_details(r))
        for _ in range(3):
            r.bool_()
        for _ in range(3):
            r.tensor()  # x_grad, cached_output, params_grad / grad_final
        if version == 3:
            r.int_()  # sample expansion factor
    if r.pos != len(data):
        raise ValueError(f"trailing bytes: parsed {r.pos} of {len(data)}")
    return norm, layers

"""Rebuild dlib's ``anet_type`` face-recognition ResNet as an ONNX graph.

Why: the kiosk runs ONNX Runtime only. The graph is emitted node by node with
``onnx.helper`` (no exporter, no tracing) so that the same parsed layers always
give the same bytes, and dlib's semantics (affine_ after conv, add_prev's
top-left-aligned sum of unequal shapes) are reproduced explicitly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
from dlib_dat import Layer
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
IR_VERSION = 8


def expected_kinds() -> list[str]:
    """Layer kinds of dlib's ``anet_type`` (dnn_face_recognition_ex.cpp), input first."""
    plain = ["wrap", "con", "affine", "relu", "con", "affine", "add_prev", "relu"]
    down = ["wrap", "con", "affine", "relu", "con", "affine", "wrap", "wrap", "avg_pool",
            "add_prev", "relu"]
    levels = [(3, False), (1, True), (3, False), (1, True), (2, False), (1, True),
              (2, False), (1, True)]  # alevel4 .. alevel0
    kinds = ["con", "affine", "relu", "max_pool"]
    for count, is_down in levels:
        kinds += (down if is_down else plain * count)
    return kinds + ["avg_pool", "fc"]


class GraphBuilder:
    """Emits ONNX nodes while tracking the static (C, H, W) shape of each value."""

    def __init__(self) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.inits: list[onnx.TensorProto] = []
        self.shapes: dict[str, tuple[int, int, int]] = {}
        self.count = 0

    def name(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}_{self.count}"

    def const(self, prefix: str, arr: np.ndarray) -> str:
        name = self.name(prefix)
        self.inits.append(numpy_helper.from_array(arr, name))
        return name

    def node(self, op: str, inputs: list[str], shape: tuple[int, int, int],
             out: str | None = None, **attrs: Any) -> str:
        out = out or self.name(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        self.shapes[out] = shape
        return out

    def conv(self, x: str, con: Layer, affine: Layer) -> str:
        """Conv with the following affine_ (inference-time batch norm) folded in."""
        gamma, beta = affine.w, affine.b
        w = (con.w * gamma[:, None, None, None]).astype(np.float32)
        b = (con.b * gamma + beta).astype(np.float32)
        (sy, sx), (py, px) = con.stride, con.pad
        _, h, wd = self.shapes[x]
        oh, ow = 1 + (h + 2 * py - w.shape[2]) // sy, 1 + (wd + 2 * px - w.shape[3]) // sx
        return self.node("Conv", [x, self.const("w", w), self.const("b", b)],
                         (w.shape[0], oh, ow), kernel_shape=list(w.shape[2:]),
                         strides=[sy, sx], pads=[py, px, py, px])

    def pool(self, x: str, layer: Layer) -> str:
        """dlib encodes a global pool as a zero-sized window."""
        (kh, kw), (sy, sx), (py, px) = layer.k, layer.stride, layer.pad
        c, h, w = self.shapes[x]
        if layer.kind == "avg_pool" and kh == 0:
            return self.node("GlobalAveragePool", [x], (c, 1, 1))
        op = "MaxPool" if layer.kind == "max_pool" else "AveragePool"
        shape = (c, 1 + (h + 2 * py - kh) // sy, 1 + (w + 2 * px - kw) // sx)
        return self.node(op, [x], shape, kernel_shape=[kh, kw], strides=[sy, sx],
                         pads=[py, px, py, px])

    def pad_to(self, x: str, shape: tuple[int, int, int]) -> str:
        """dlib's add_prev zero-pads each operand at the bottom/right up to the max shape."""
        have = self.shapes[x]
        if have == shape:
            return x
        extra = [t - h for t, h in zip(shape, have, strict=True)]
        pads = np.array([0, 0, 0, 0, 0, *extra], dtype=np.int64)
        return self.node("Pad", [x, self.const("pads", pads)], shape, mode="constant")

    def add(self, a: str, b: str) -> str:
        shape = tuple(max(s) for s in zip(self.shapes[a], self.shapes[b], strict=True))
        target = (shape[0], shape[1], shape[2])
        return self.node("Add", [self.pad_to(a, target), self.pad_to(b, target)], target)


def build_model(norm: dict[str, float], layers: list[Layer]) -> onnx.ModelProto:
    """Checked ONNX model taking a uint8 NHWC RGB chip and returning the 128-d descriptor.

    Refuses anything but the exact ``anet_type`` layer sequence, because the
    tag/skip wiring below assumes it.
    """
    kinds = [layer.kind for layer in layers]
    if kinds != expected_kinds():
        raise ValueError("layer sequence does not match dlib anet_type")
    size = int(norm["size"])
    g = GraphBuilder()
    mean = np.array([norm["r"], norm["g"], norm["b"]], dtype=np.float32).reshape(1, 1, 1, 3)
    x = g.node("Cast", ["chip"], (3, size, size), to=TensorProto.FLOAT)
    x = g.node("Sub", [x, g.const("mean", mean)], (3, size, size))
    x = g.node("Mul", [x, g.const("scale", np.array(1 / 256, dtype=np.float32))], (3, size, size))
    x = g.node("Transpose", [x], (3, size, size), perm=[0, 3, 1, 2])
    tag1 = tag2 = ""
    i = 0
    while i < len(layers):
        layer = layers[i]
        if layer.kind == "wrap" and layers[i + 1].kind == "wrap":  # tag2 then skip1
            tag2, x = x, tag1
            i += 2
            continue
        if layer.kind == "wrap":
            tag1 = x
        elif layer.kind == "con":
            x = g.conv(x, layer, layers[i + 1])
            i += 1  # affine folded
        elif layer.kind == "relu":
            x = g.node("Relu", [x], g.shapes[x])
        elif layer.kind in ("max_pool", "avg_pool"):
            x = g.pool(x, layer)
        elif layer.kind == "add_prev":
            x = g.add(x, tag2 or tag1)
            tag2 = ""
        elif layer.kind == "fc":
            flat = g.node("Flatten", [x], g.shapes[x], axis=1)
            w = np.ascontiguousarray(layer.w, dtype=np.float32)
            x = g.node("MatMul", [flat, g.const("fc_w", w)], (w.shape[1], 1, 1),
                       out="descriptor")
        i += 1
    graph = helper.make_graph(
        g.nodes, "dlib_face_recognition_resnet_model_v1",
        [helper.make_tensor_value_info("chip", TensorProto.UINT8, ["batch", size, size, 3])],
        [helper.make_tensor_value_info("descriptor", TensorProto.FLOAT, ["batch", 128])],
        g.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="openabc-convert_dlib_resnet",
                              producer_version="1")
    model.ir_version = IR_VERSION
    onnx.checker.check_model(model, full_check=True)
    return model

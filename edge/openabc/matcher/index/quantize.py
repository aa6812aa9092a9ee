"""Affine byte codes for the fast scan, with the error bound that keeps it exact.

Each component maps to ``round(x * scale) + 128`` in [0, 255]. The scan ranks
rows by the distance between byte codes; the triangle inequality bounds how
far that can be from the true distance by the query's and the row's rounding
error, which is what lets the re-rank prove it missed nobody.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from openabc.matcher.index.base import Matrix

OFFSET = 128.0
HALF_RANGE = 127.0
DEFAULT_MAX_ABS = 1.0
"""Component range assumed for an empty gallery (dlib descriptors stay well inside)."""


class ByteQuantizer:
    """Fixed affine map to byte-valued floats; out-of-range values are clipped."""

    def __init__(self, scale: float) -> None:
        if not scale > 0:
            raise ValueError("scale must be positive")
        self.scale = scale

    @classmethod
    def fitted(cls, vectors: Matrix) -> ByteQuantizer:
        """Scale so the largest component of ``vectors`` just fits (no clipping)."""
        max_abs = float(np.abs(vectors).max()) if vectors.size else 0.0
        return cls(HALF_RANGE / (max_abs if max_abs > 0 else DEFAULT_MAX_ABS))

    def encode(self, vectors: Matrix) -> Matrix:
        """Byte codes as integer-valued float32 (what faiss 8bit_direct stores)."""
        scaled = np.asarray(vectors, dtype=np.float32) * np.float32(self.scale)
        codes: Matrix = np.clip(np.rint(scaled) + np.float32(OFFSET), 0.0, 255.0)
        return codes.astype(np.float32)

    def decode(self, codes: Matrix) -> Matrix:
        return ((codes - np.float32(OFFSET)) / np.float32(self.scale)).astype(np.float32)

    def errors(self, vectors: Matrix, codes: Matrix) -> npt.NDArray[np.float64]:
        """Euclidean distance between each row and its decoded code."""
        diff = np.asarray(vectors, dtype=np.float64) - self.decode(codes).astype(np.float64)
        errors: npt.NDArray[np.float64] = np.sqrt(np.einsum("ij,ij->i", diff, diff))
        return errors

"""Growable float32 row store: the source of truth every engine re-ranks against.

Enrolment appends one template at a time; growing the capacity by a quarter
keeps that amortised O(1) instead of copying a 512 MB matrix per new person at 1M.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from openabc.matcher.index.base import Matrix, Rows


class RowStore:
    """float32 rows, their squared norms and which rows are live."""

    def __init__(self, dimensions: int, vectors: Matrix | None = None) -> None:
        self.dimensions = dimensions
        self._size = 0
        self._live = 0
        self._matrix = np.zeros((0, dimensions), dtype=np.float32)
        self._squared = np.zeros(0, dtype=np.float32)
        if vectors is not None and len(vectors):
            self.append(vectors)

    @property
    def size(self) -> int:
        """Rows ever appended, removed ones included."""
        return self._size

    @property
    def live(self) -> int:
        return self._live

    @property
    def matrix(self) -> Matrix:
        """All appended rows (a view, removed rows included)."""
        return self._matrix[: self._size]

    @property
    def squared(self) -> npt.NDArray[np.float32]:
        """Squared norms per row; ``inf`` marks a removed row."""
        return self._squared[: self._size]

    def append(self, vectors: Matrix) -> int:
        """Append rows; returns the number of the first one."""
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.dimensions:
            raise ValueError(f"rows must have shape (n, {self.dimensions}), got {vectors.shape}")
        first, needed = self._size, self._size + len(vectors)
        if needed > len(self._matrix):
            self._grow(max(needed, len(self._matrix) + len(self._matrix) // 4 + 1024))
        self._matrix[first:needed] = vectors
        self._squared[first:needed] = np.einsum("ij,ij->i", vectors, vectors)
        self._size = needed
        self._live += len(vectors)
        return first

    def remove(self, row: int) -> None:
        if not 0 <= row < self._size or not np.isfinite(self._squared[row]):
            raise KeyError(f"no live row {row}")
        self._squared[row] = np.inf
        self._live -= 1

    def row(self, row: int) -> Matrix:
        """A copy of one live row."""
        if not 0 <= row < self._size or not np.isfinite(self._squared[row]):
            raise KeyError(f"no live row {row}")
        vector: Matrix = self._matrix[row].copy()
        return vector

    def is_live(self, rows: Rows) -> npt.NDArray[np.bool_]:
        return np.isfinite(self._squared[rows])

    def distances(self, rows: Rows, query: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Exact float32 euclidean distances from ``query`` to ``rows``."""
        diff = self._matrix[rows] - query
        distances: npt.NDArray[np.float32] = np.sqrt(np.einsum("ij,ij->i", diff, diff))
        return distances.astype(np.float32)

    def _grow(self, capacity: int) -> None:
        matrix = np.zeros((capacity, self.dimensions), dtype=np.float32)
        matrix[: self._size] = self._matrix[: self._size]
        squared = np.full(capacity, np.inf, dtype=np.float32)
        squared[: self._size] = self._squared[: self._size]
        self._matrix, self._squared = matrix, squared

"""The contract every gallery engine keeps: exact nearest rows, fp32 distances.

An engine may scan a compressed copy, but what it returns must equal an exact
float32 euclidean search: at a border a lost weak mate is a safety fault, so
an approximate engine is only acceptable if it proves that equality.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]
Rows = npt.NDArray[np.int64]
Distances = npt.NDArray[np.float32]


class VectorIndex(Protocol):
    """Rows are numbered in insertion order from 0; removed rows are never returned."""

    name: str

    def __len__(self) -> int:
        """Number of live rows."""
        ...

    def add(self, vectors: Matrix) -> None:
        """Append rows (shape ``(n, d)``), numbered after the existing ones."""
        ...

    def remove(self, row: int) -> None:
        """Stop returning ``row`` (its number is not reused)."""
        ...

    def vector(self, row: int) -> npt.NDArray[np.float32]:
        """The float32 row as stored (for exact 1:1 distances to one person)."""
        ...

    def search(self, query: npt.NDArray[np.float32], k: int) -> tuple[Rows, Distances]:
        """The ``k`` nearest live rows and every row tied with the k-th, closest first."""
        ...

"""Exact float32 scan with numpy: the reference engine and the safe fallback.

One matrix-vector product ranks every row; the few rows near the k-th are
then re-measured directly so float32 cancellation cannot reorder them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from openabc.matcher.index.base import Distances, Matrix, Rows
from openabc.matcher.index.rows import RowStore

CANDIDATE_MARGIN = 1e-4
"""Relative slack around the k-th candidate's score, ~1000x float32 rounding."""


def nearest_exact(
    store: RowStore, query: npt.NDArray[np.float32], k: int
) -> tuple[Rows, Distances]:
    """The ``k`` nearest live rows of ``store`` and their ties, by exact distance."""
    k = min(k, store.live)
    if k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    # |x|^2 - 2 x.q ranks like the squared distance (|q|^2 is the same for every row)
    approx = store.squared - np.float32(2.0) * (store.matrix @ query)
    kth = float(approx.min() if k == 1 else np.partition(approx, k - 1)[k - 1])
    cut = kth + CANDIDATE_MARGIN * (1.0 + abs(kth) + float(query @ query))
    return closest(store, np.flatnonzero(approx <= cut), query, k)


def closest(
    store: RowStore, candidates: npt.NDArray[np.intp], query: npt.NDArray[np.float32], k: int
) -> tuple[Rows, Distances]:
    """The k closest of ``candidates`` (live ones, ties with the k-th kept), sorted."""
    rows = candidates[store.is_live(candidates)].astype(np.int64)
    exact = store.distances(rows, query)
    order = np.lexsort((rows, exact))
    rows, exact = rows[order], exact[order]
    if len(rows) > k:
        keep = exact <= exact[k - 1]
        rows, exact = rows[keep], exact[keep]
    return rows, exact


class ExactIndex:
    """Brute-force float32 search: exact, no extra memory, ~30 ms per 1M rows."""

    name = "numpy"

    def __init__(self, dimensions: int, vectors: Matrix | None = None) -> None:
        self._store = RowStore(dimensions, vectors)

    def __len__(self) -> int:
        return self._store.live

    def add(self, vectors: Matrix) -> None:
        self._store.append(vectors)

    def remove(self, row: int) -> None:
        self._store.remove(row)

    def vector(self, row: int) -> npt.NDArray[np.float32]:
        return self._store.row(row)

    def search(self, query: npt.NDArray[np.float32], k: int) -> tuple[Rows, Distances]:
        return nearest_exact(self._store, np.asarray(query, dtype=np.float32), k)

"""Exact 1:N face search over the enrolled gallery.

A brute-force numpy scan is exact and, for a regional gallery of a few
thousand templates, well under a millisecond: one matrix-vector product ranks
everyone, then the few candidates near the cut are re-measured directly so
float32 cancellation cannot reorder them. An approximate index can sit behind
the same ``GalleryIndex`` interface later. Templates from another
model id/version live in another embedding space and are refused.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import numpy.typing as npt

from openabc.messages import TEMPLATE_DIMENSIONS, FaceTemplate

CANDIDATE_MARGIN = 1e-3
"""Squared-distance slack around the k-th candidate, far above float32 error."""


class TemplateModelMismatch(ValueError):
    """The template comes from a different model than the gallery's."""


class GalleryIndex(Protocol):
    """What the matcher needs from a gallery: nearest enrolled persons."""

    def search(self, template: FaceTemplate, k: int) -> list[tuple[str, float]]: ...

    def add(self, person_id: str, template: FaceTemplate) -> None: ...


class NumpyGallery:
    """In-memory exact euclidean search for one model id/version."""

    def __init__(
        self,
        model_id: str,
        model_version: str,
        person_ids: list[str],
        vectors: npt.NDArray[np.float32],
    ) -> None:
        if vectors.size and vectors.shape != (len(person_ids), TEMPLATE_DIMENSIONS):
            raise ValueError(f"gallery matrix shape {vectors.shape} does not fit the ids")
        self.model_id = model_id
        self.model_version = model_version
        self._ids = list(person_ids)
        self._matrix = (
            vectors.astype(np.float32)
            if vectors.size
            else np.zeros((0, TEMPLATE_DIMENSIONS), dtype=np.float32)
        )
        self._squared = (self._matrix.astype(np.float64) ** 2).sum(axis=1)

    def __len__(self) -> int:
        return len(self._ids)

    def _vector(self, template: FaceTemplate) -> npt.NDArray[np.float32]:
        if (template.model_id, template.model_version) != (self.model_id, self.model_version):
            raise TemplateModelMismatch(
                f"template from {template.model_id}@{template.model_version}, gallery is "
                f"{self.model_id}@{self.model_version}"
            )
        return np.asarray(template.vector, dtype=np.float32)

    def search(self, template: FaceTemplate, k: int) -> list[tuple[str, float]]:
        """The ``k`` nearest persons, closest first (ties broken by person id)."""
        query = self._vector(template)
        if k <= 0 or not self._ids:
            return []
        k = min(k, len(self._ids))
        approx = self._squared - 2.0 * (self._matrix @ query) + float(query @ query)
        cut = float(np.partition(approx, k - 1)[k - 1]) + CANDIDATE_MARGIN
        candidates = np.flatnonzero(approx <= cut)
        exact = np.linalg.norm(self._matrix[candidates] - query, axis=1)
        order = sorted(
            range(len(candidates)), key=lambda j: (float(exact[j]), self._ids[candidates[j]])
        )[:k]
        return [(self._ids[candidates[j]], float(exact[j])) for j in order]

    def add(self, person_id: str, template: FaceTemplate) -> None:
        """Enrol (or replace) one person's template."""
        vector = self._vector(template)[np.newaxis, :]
        if person_id in self._ids:
            row = self._ids.index(person_id)
            self._matrix[row] = vector
            self._squared[row] = float((vector.astype(np.float64) ** 2).sum())
            return
        self._ids.append(person_id)
        self._matrix = np.concatenate([self._matrix, vector])
        self._squared = np.append(self._squared, float((vector.astype(np.float64) ** 2).sum()))

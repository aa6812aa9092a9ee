"""Exact 1:N face search over the enrolled gallery, by person.

The engines in ``matcher.index`` rank rows; this facade maps rows to person
ids, refuses templates from another model id/version (another embedding
space: comparing across spaces gives meaningless scores), breaks distance ties
by person id so answers are reproducible, and serialises enrolment against
searches. Every engine is exact: approximate indexes lose weak mates.
"""

from __future__ import annotations

import importlib.util
import threading
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from openabc.matcher.index import ExactIndex, VectorIndex
from openabc.messages import TEMPLATE_DIMENSIONS, FaceTemplate

Engine = Literal["auto", "numpy", "faiss-sq8"]


class TemplateModelMismatch(ValueError):
    """The template comes from a different model than the gallery's."""


class GalleryIndex(Protocol):
    """What the matcher needs from a gallery: nearest enrolled persons."""

    def search(self, template: FaceTemplate, k: int) -> list[tuple[str, float]]: ...

    def add(self, person_id: str, template: FaceTemplate) -> None: ...


class IndexedGallery:
    """Person-level search over a row engine holding one model id/version."""

    def __init__(
        self, model_id: str, model_version: str, person_ids: list[str], index: VectorIndex
    ) -> None:
        self.model_id = model_id
        self.model_version = model_version
        self.engine = index.name
        self._index = index
        self._lock = threading.Lock()
        self._owners: list[str | None] = list(person_ids)
        self._rows: dict[str, int] = {}
        for row, person_id in enumerate(person_ids):
            if person_id in self._rows:  # a later row replaces an earlier one
                self._index.remove(self._rows[person_id])
                self._owners[self._rows[person_id]] = None
            self._rows[person_id] = row

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def index(self) -> VectorIndex:
        """The row engine (for benchmarks and diagnostics)."""
        return self._index

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
        if k <= 0:
            return []
        with self._lock:
            rows, distances = self._index.search(query, k)
            hits = [
                (owner, float(distance))
                for row, distance in zip(rows.tolist(), distances.tolist(), strict=True)
                if (owner := self._owners[row]) is not None
            ]
        return sorted(hits, key=lambda hit: (hit[1], hit[0]))[:k]

    def add(self, person_id: str, template: FaceTemplate) -> None:
        """Enrol (or replace) one person's template."""
        vector = self._vector(template)[np.newaxis, :]
        with self._lock:
            if person_id in self._rows:
                self._index.remove(self._rows[person_id])
                self._owners[self._rows[person_id]] = None
            self._index.add(vector)
            self._rows[person_id] = len(self._owners)
            self._owners.append(person_id)


def _matrix(person_ids: list[str], vectors: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """The gallery matrix, checked against the ids (an empty gallery may be any 0-size)."""
    if not vectors.size:
        return np.zeros((0, TEMPLATE_DIMENSIONS), dtype=np.float32)
    if vectors.shape != (len(person_ids), TEMPLATE_DIMENSIONS):
        raise ValueError(f"gallery matrix shape {vectors.shape} does not fit the ids")
    return np.ascontiguousarray(vectors, dtype=np.float32)


class NumpyGallery(IndexedGallery):
    """Exact float32 numpy scan: no extra dependency, ~30 ms per 1M templates."""

    def __init__(
        self,
        model_id: str,
        model_version: str,
        person_ids: list[str],
        vectors: npt.NDArray[np.float32],
    ) -> None:
        matrix = _matrix(person_ids, vectors)
        super().__init__(
            model_id, model_version, person_ids, ExactIndex(TEMPLATE_DIMENSIONS, matrix)
        )


def faiss_available() -> bool:
    return importlib.util.find_spec("faiss") is not None


def open_gallery(
    model_id: str,
    model_version: str,
    person_ids: list[str],
    vectors: npt.NDArray[np.float32],
    *,
    engine: Engine = "auto",
    threads: int = 2,
) -> IndexedGallery:
    """The matcher's gallery: the faiss byte scan when installed, else numpy; both exact."""
    if engine == "numpy" or (engine == "auto" and not faiss_available()):
        return NumpyGallery(model_id, model_version, person_ids, vectors)
    from openabc.matcher.index.faiss_sq8 import FaissSQ8Index

    index = FaissSQ8Index(TEMPLATE_DIMENSIONS, _matrix(person_ids, vectors), threads=threads)
    return IndexedGallery(model_id, model_version, person_ids, index)

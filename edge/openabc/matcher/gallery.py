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
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np
import numpy.typing as npt

from openabc.matcher.fingers import FingerGalleryCache
from openabc.matcher.index import ExactIndex, VectorIndex
from openabc.matcher.store import MatcherStore
from openabc.messages import TEMPLATE_DIMENSIONS, FaceTemplate

Engine = Literal["auto", "numpy", "faiss-sq8"]


class TemplateModelMismatch(ValueError):
    """The template comes from a different model than the gallery's."""


class GalleryIndex(Protocol):
    """What the matcher needs from a gallery: nearest enrolled persons."""

    def search(self, template: FaceTemplate, k: int) -> list[tuple[str, float]]: ...

    def add(self, person_id: str, template: FaceTemplate) -> None: ...

    def remove(self, person_id: str) -> bool: ...

    def distance(self, person_id: str, template: FaceTemplate) -> float | None: ...


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

    def remove(self, person_id: str) -> bool:
        """Forget a person (purged); False when not enrolled here.

        The engine only marks the row dead (no rebuild): dead rows cost a
        little scan time until the next restart (``bench/bench_sbms.py``).
        """
        with self._lock:
            row = self._rows.pop(person_id, None)
            if row is None:
                return False
            self._index.remove(row)
            self._owners[row] = None
            return True

    def distance(self, person_id: str, template: FaceTemplate) -> float | None:
        """Exact distance to one enrolled person (None: not enrolled).

        Why: a candidate found by fingers alone still gets its face score in
        the fused 1:N, even when it is outside the face top-k.
        """
        query = self._vector(template)
        with self._lock:
            row = self._rows.get(person_id)
            if row is None:
                return None
            stored = self._stored(row)
        return float(np.linalg.norm(stored.astype(np.float64) - query.astype(np.float64)))

    def _stored(self, row: int) -> npt.NDArray[np.float32]:
        vector: npt.NDArray[np.float32] = self._index.vector(row)
        return vector


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


def load_gallery(
    store: MatcherStore, model_id: str, model_version: str, *, engine: Engine = "auto"
) -> tuple[IndexedGallery, int]:
    """The store's gallery of one model and the change-feed position it reflects.

    The high-water mark is read *before* the templates, so a change committed
    in between is replayed by the first catch-up (replays are idempotent)
    instead of being lost.
    """
    since = store.gallery_high_water()
    ids, vectors = store.templates(model_id, model_version)
    return open_gallery(model_id, model_version, ids, vectors, engine=engine), since


@dataclass(frozen=True)
class SyncStats:
    """What one catch-up applied."""

    changes: int
    enrolled: int
    removed: int


class GallerySync:
    """Keeps one worker's in-memory galleries in step with the store's change feed.

    Several workers share the requests, each with its own gallery: an
    enrolment or a purge handled by one must reach the others before their
    next 1:N search. ``catch_up`` costs one indexed ``MAX(seq)`` when nothing
    changed; otherwise it re-reads the current templates of each changed
    person (so replays and out-of-order duplicates are harmless) and adds,
    replaces or removes them. ``fingers`` (optional) is the worker's cached
    finger gallery, refreshed the same way.
    """

    def __init__(
        self,
        store: MatcherStore,
        gallery: GalleryIndex,
        model_id: str,
        model_version: str,
        *,
        since: int | None = None,
        fingers: FingerGalleryCache | None = None,
    ) -> None:
        self._store = store
        self._gallery = gallery
        self._model = (model_id, model_version)
        self._fingers = fingers
        self.seq = store.gallery_high_water() if since is None else since
        """Last change applied."""

    def catch_up(self) -> SyncStats:
        if self._store.gallery_high_water() <= self.seq:
            return SyncStats(0, 0, 0)
        changes = self._store.gallery_changes_since(self.seq)
        if not changes:
            return SyncStats(0, 0, 0)
        enrolled = removed = 0
        for person_id in dict.fromkeys(person for _, person, _ in changes):
            vector = self._store.template(person_id, *self._model)
            if vector is None:
                removed += self._gallery.remove(person_id)
            else:
                template = FaceTemplate(
                    model_id=self._model[0],
                    model_version=self._model[1],
                    vector=tuple(float(v) for v in vector),
                )
                self._gallery.add(person_id, template)
                enrolled += 1
            if self._fingers is not None:
                self._fingers.refresh(self._store, person_id)
        self.seq = changes[-1][0]
        return SyncStats(len(changes), enrolled, removed)

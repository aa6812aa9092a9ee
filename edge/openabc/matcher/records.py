"""Small value types read from the registers, and the template BLOB encoding."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class Identity:
    """Biographic core of a CIR individual file."""

    surname: str
    given_names: str
    birth_date: dt.date
    nationality: str
    sex: str


@dataclass(frozen=True)
class EtiasRecord:
    status: str
    valid_until: dt.date


def vector_to_blob(vector: npt.ArrayLike) -> bytes:
    """Templates are stored as little-endian float32 (512 bytes for 128-d)."""
    return np.asarray(vector, dtype="<f4").tobytes()


def blob_to_vector(blob: bytes) -> npt.NDArray[np.float32]:
    return np.frombuffer(blob, dtype="<f4").astype(np.float32)

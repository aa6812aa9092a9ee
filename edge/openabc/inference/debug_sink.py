"""Opt-in observer of the face pipeline: stage name, duration and scores only.

Why: tuning capture on a kiosk needs per-stage numbers, but a debug hook is
exactly where face images and templates leak into disks and logs. The sink
interface therefore cannot carry pixels or templates: it receives a stage
name, a duration and a small mapping of named float scores, nothing else.
The default is ``NullSink`` (does nothing); there is deliberately no
image-dumping sink in the product code.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Protocol

logger = logging.getLogger(__name__)

MAX_SCORES = 16


class DebugSink(Protocol):
    """Receives one call per executed pipeline stage."""

    def stage(self, name: str, ms: float, scores: Mapping[str, float]) -> None:
        """``scores``: named 0-100 quality scores or a PAD score; never image data."""
        ...


class NullSink:
    """The production default: observes nothing, writes nothing."""

    def stage(self, name: str, ms: float, scores: Mapping[str, float]) -> None:
        return None


class LoggingSink:
    """Logs stage timings and scores at DEBUG, for lab tuning.

    Values are coerced to rounded floats, so an array slipped into ``scores``
    raises instead of being printed.
    """

    def __init__(self, log: logging.Logger | None = None) -> None:
        self._log = log or logger

    def stage(self, name: str, ms: float, scores: Mapping[str, float]) -> None:
        self._log.debug("stage %s %.2f ms %s", name, ms, scalar_scores(scores))


def scalar_scores(scores: Mapping[str, float]) -> dict[str, float]:
    """Copy of ``scores`` as plain rounded floats; refuses anything that is not a scalar."""
    if len(scores) > MAX_SCORES:
        raise ValueError(f"a stage reports at most {MAX_SCORES} scores, got {len(scores)}")
    out: dict[str, float] = {}
    for key, value in scores.items():
        number = float(value)  # TypeError for arrays with more than one element
        if not isinstance(key, str) or not math.isfinite(number):
            raise ValueError("scores must be finite floats keyed by name")
        out[key] = round(number, 2)
    return out

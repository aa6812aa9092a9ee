"""DET curve as a PNG, with normal-deviate axes as in ISO/IEC 19795-1.

Why: on probit axes the FMR/FNMR trade-off of most comparators is close to a
straight line and the low-FMR region that border control operates in is
readable, unlike on a linear ROC plot. Matplotlib is used through the Agg
canvas directly so no display, GUI toolkit or global pyplot state is involved.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from scipy.stats import norm

from openabc.evaluation.metrics import ErrorTradeoff, Scores

_TICKS = (1e-5, 1e-4, 1e-3, 0.01, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 0.95)
_CEILING = 0.95


@dataclass(frozen=True)
class Marker:
    """A labelled operating point drawn on the curve."""

    label: str
    fmr: float
    fnmr: float


def _label(p: float) -> str:
    pct = p * 100
    return f"{pct:g}%"


def _floor(n: int) -> float:
    """Largest tick at or below half of 1/n, the axis end for rates of 0."""
    smallest = 0.5 / max(n, 1)
    return max([t for t in _TICKS if t <= smallest], default=_TICKS[0])


def _deviate(rates: Scores, floor: float) -> Scores:
    """Probit of rates, clipped so 0 and 1 are drawn at the axis edges."""
    clipped = np.clip(rates, floor, _CEILING)
    return np.asarray(norm.ppf(clipped), dtype=np.float64)


def write_det_png(
    curve: ErrorTradeoff,
    path: Path,
    *,
    title: str,
    n_genuine: int,
    n_impostor: int,
    markers: tuple[Marker, ...] = (),
) -> Path:
    """Draw FNMR against FMR on normal-deviate axes and save it as PNG.

    Each axis reaches down to about half its smallest measurable rate (1/N), and
    rates of 0 (or above 95 %) are drawn on the axis edge rather than at a
    made-up position such as 1e-9.
    """
    x_floor, y_floor = _floor(n_impostor), _floor(n_genuine)
    fig = Figure(figsize=(6.4, 6.0), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot(_deviate(curve.fmr, x_floor), _deviate(curve.fnmr, y_floor))
    for marker in markers:
        x = _deviate(np.array([marker.fmr]), x_floor)
        y = _deviate(np.array([marker.fnmr]), y_floor)
        ax.plot(x, y, marker="o", linestyle="none", label=marker.label)
    top = float(norm.ppf(_CEILING)) + 0.1
    for floor, set_ticks, set_lim in (
        (x_floor, ax.set_xticks, ax.set_xlim),
        (y_floor, ax.set_yticks, ax.set_ylim),
    ):
        ticks = [t for t in _TICKS if t >= floor]
        deviates = np.asarray(norm.ppf(np.array(ticks)), dtype=np.float64)
        set_ticks(deviates.tolist(), [_label(t) for t in ticks])
        set_lim(float(norm.ppf(floor)) - 0.1, top)
    ax.tick_params(labelsize=8)
    ax.tick_params(axis="x", labelrotation=45)
    ax.set_xlabel(f"False match rate (FMR), {n_impostor} impostor comparisons")
    ax.set_ylabel(f"False non-match rate (FNMR), {n_genuine} genuine comparisons")
    ax.set_title(title)
    ax.grid(True, linestyle=":")
    if markers:
        ax.legend(loc="upper right", fontsize="small")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path

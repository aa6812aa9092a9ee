"""Render one capture (impression) of a master print.

Every real touch differs: the finger lands rotated and shifted, pressed harder
or softer (ridges thicker or thinner), on a cleaner or dirtier platen, and
often only partly.  Those variations are what a matcher must tolerate, so the
emulator reproduces them from a per-capture random generator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from openabc.fingerprint.master_print import MasterPrint

GrayImage = NDArray[np.uint8]


@dataclass(frozen=True)
class CaptureConditions:
    """How far a capture may deviate from the master (ranges are +/-)."""

    max_rotation_deg: float = 8.0
    max_shift_px: float = 12.0
    max_pressure: float = 0.25
    noise_sigma: float = 6.0
    contrast: float = 1.0
    blur_sigma: float = 0.0
    max_partial: float = 0.15
    max_distortion_px: float = 5.0

    @classmethod
    def degraded(cls) -> CaptureConditions:
        """A dry, smudged, low-contrast touch: what quality control should flag."""
        return cls(noise_sigma=45.0, contrast=0.35, blur_sigma=2.2, max_partial=0.35)


def render_impression(
    master: MasterPrint, rng: np.random.Generator, cond: CaptureConditions
) -> GrayImage:
    """Dark ridges on a white platen, same size as the master."""
    h, w = master.ridges.shape
    angle = np.deg2rad(rng.uniform(-cond.max_rotation_deg, cond.max_rotation_deg))
    shift = rng.uniform(-cond.max_shift_px, cond.max_shift_px, size=2)
    c, s = np.cos(angle), np.sin(angle)
    rot = np.array([[c, -s], [s, c]])
    centre = np.array([h / 2.0, w / 2.0])
    offset = centre - rot @ (centre + shift)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    src = np.einsum("ij,jhw->ihw", rot, np.stack([yy, xx])) + offset[:, None, None]
    src += _elastic_field(rng, h, w, cond.max_distortion_px)
    ridges = ndimage.map_coordinates(master.ridges, src, order=1, cval=-1.0)
    mask = ndimage.map_coordinates(master.mask.astype(np.float64), src, order=0) > 0.5
    mask &= _partial_mask(rng, h, w, cond.max_partial)
    pressure = rng.uniform(-cond.max_pressure, cond.max_pressure)
    ink = np.clip((ridges + pressure) * 1.6, -1.0, 1.0)
    if cond.blur_sigma > 0:
        ink = ndimage.gaussian_filter(ink, cond.blur_sigma)
    soft_edge = ndimage.gaussian_filter(mask.astype(np.float64), 3.0)
    darkness = (0.5 + 0.5 * ink) * soft_edge * cond.contrast * rng.uniform(0.85, 1.0)
    img = 245.0 - 200.0 * darkness + rng.normal(0.0, cond.noise_sigma, size=(h, w))
    return np.asarray(np.clip(img, 0, 255), dtype=np.uint8)


def _elastic_field(
    rng: np.random.Generator, h: int, w: int, amplitude: float
) -> NDArray[np.float64]:
    """Smooth (dy, dx) displacement: skin stretches unevenly under pressure."""
    coarse = rng.normal(0.0, amplitude, size=(2, 4, 4))
    field = ndimage.zoom(coarse, (1, h / 4, w / 4), order=3)
    return np.asarray(field[:, :h, :w], dtype=np.float64)


def _partial_mask(
    rng: np.random.Generator, h: int, w: int, max_partial: float
) -> NDArray[np.bool_]:
    """Cut away up to ``max_partial`` of the print from one random side."""
    cut = rng.uniform(0.0, max_partial)
    keep = np.ones((h, w), dtype=bool)
    side = int(rng.integers(0, 4))
    if side == 0:
        keep[: int(h * cut), :] = False
    elif side == 1:
        keep[h - int(h * cut) :, :] = False
    elif side == 2:
        keep[:, : int(w * cut)] = False
    else:
        keep[:, w - int(w * cut) :] = False
    return keep

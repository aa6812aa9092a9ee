"""Synthetic master fingerprints with a stable identity per finger.

afis ships ``synthetic_fingerprint`` but its ridge pattern does not depend on
the seed (only the noise does), so it cannot give distinct identities.  This
module grows ridges SFinGe-style instead: a zero-pole orientation field (core
and delta placed per finger) steers oriented Gabor filters that are applied
iteratively to seeded noise.  Where ridges collide, endings and bifurcations
appear at seed-dependent places, which is what makes two fingers differ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatImage = NDArray[np.float64]

_N_ORIENTATIONS = 16
_GROWTH_ITERATIONS = 10


@dataclass(frozen=True)
class MasterPrint:
    """Ridge pattern in [-1, 1] (positive = ridge) and its fingertip mask."""

    ridges: FloatImage
    mask: NDArray[np.bool_]


def _orientation_field(rng: np.random.Generator, h: int, w: int) -> FloatImage:
    """Zero-pole (Sherlock-Monro) ridge orientation for a loop, whorl or arch."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    z = x + 1j * y
    kind = rng.integers(0, 3)
    cx = w * rng.uniform(0.35, 0.65)
    cy = h * rng.uniform(0.35, 0.5)
    cores: list[complex] = []
    deltas: list[complex] = []
    if kind == 0:  # loop
        cores.append(complex(cx, cy))
        deltas.append(
            complex(
                cx + w * rng.choice([-1.0, 1.0]) * rng.uniform(0.2, 0.35),
                cy + h * rng.uniform(0.3, 0.45),
            )
        )
    elif kind == 1:  # whorl
        sep = h * rng.uniform(0.04, 0.1)
        cores += [complex(cx, cy - sep), complex(cx, cy + sep)]
        deltas += [complex(cx - w * 0.4, cy + h * 0.4), complex(cx + w * 0.4, cy + h * 0.4)]
    else:  # arch: a core/delta pair far below the print flattens the field
        cores.append(complex(cx, h * 1.15))
        deltas.append(complex(cx + w * 0.05, h * 1.3))
    theta = np.zeros((h, w))
    for d in deltas:
        theta += np.angle(z - d)
    for c in cores:
        theta -= np.angle(z - c)
    theta = 0.5 * theta + rng.uniform(-0.3, 0.3)
    # Low-frequency warp so two fingers of the same class still differ.
    ky, kx = rng.uniform(0.5, 2.0, size=2)
    theta += 0.15 * np.sin(2 * np.pi * (kx * x / w + ky * y / h) + rng.uniform(0, 2 * np.pi))
    return np.asarray(theta, dtype=np.float64)


def _gabor_bank_fft(h: int, w: int, wavelength: float) -> NDArray[np.float64]:
    """Half-plane (``rfft2``) responses of even Gabor filters, one per orientation bin.

    Each filter is real and symmetric, so filtering a real image stays real and
    the half spectrum suffices: half the FFT work of the full complex plane.
    """
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    f0 = 1.0 / wavelength
    sigma_f = f0 * 0.28
    bank = np.empty((_N_ORIENTATIONS, h, w // 2 + 1))
    for k in range(_N_ORIENTATIONS):
        phi = np.pi * k / _N_ORIENTATIONS  # ridge direction; filter across it
        nx, ny = -np.sin(phi), np.cos(phi)
        g = np.exp(-((fx - f0 * nx) ** 2 + (fy - f0 * ny) ** 2) / (2 * sigma_f**2))
        g += np.exp(-((fx + f0 * nx) ** 2 + (fy + f0 * ny) ** 2) / (2 * sigma_f**2))
        bank[k] = g
    return bank


def generate_master(finger_id: int, seed: int, height: int = 400, width: int = 320) -> MasterPrint:
    """Same ``(finger_id, seed)`` always yields the same master print."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, finger_id, 19794]))
    theta = _orientation_field(rng, height, width)
    wavelength = float(rng.uniform(8.5, 10.5))
    pos = np.mod(theta / np.pi * _N_ORIENTATIONS, _N_ORIENTATIONS)
    lower = np.floor(pos).astype(np.int64)
    frac = pos - lower
    upper = (lower + 1) % _N_ORIENTATIONS
    bank = _gabor_bank_fft(height, width, wavelength)
    img = np.zeros((height, width))
    spots = rng.random((height, width)) < 0.002
    img[spots] = rng.choice([-1.0, 1.0], size=int(spots.sum()))
    for _ in range(_GROWTH_ITERATIONS):
        resp = np.fft.irfft2(np.fft.rfft2(img)[None] * bank, s=(height, width))
        # Blend the two nearest orientation filters: hard bin edges would draw
        # lines of fake minutiae that every synthetic finger shares.
        out = np.take_along_axis(resp, lower[None], 0)[0] * (1.0 - frac)
        out += np.take_along_axis(resp, upper[None], 0)[0] * frac
        img = np.tanh(out / (np.std(out) + 1e-9) * 1.5)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    ey = (y - height * 0.52) / (height * 0.47)
    ex = (x - width / 2.0) / (width * 0.44)
    mask = ex**2 + np.where(ey < 0, ey**2, (ey**2) * 0.6) <= 1.0
    return MasterPrint(ridges=np.asarray(img, dtype=np.float64), mask=mask)

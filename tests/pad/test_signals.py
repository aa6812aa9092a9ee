"""Unit behaviour of the PAD cues on synthetic inputs (no detector)."""

from __future__ import annotations

import numpy as np

from openabc.pad.motion import blink_strength, nose_parallax
from openabc.pad.texture import grain, moire_peak

FACE = np.array([[100.0, 100.0], [170.0, 100.0], [135.0, 140.0], [105.0, 175.0], [165.0, 175.0]])


def _similar(
    points: np.ndarray, angle: float, scale: float, shift: tuple[float, float]
) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    moved: np.ndarray = scale * points @ np.array([[c, s], [-s, c]]) + np.array(shift)
    return moved


def test_rigid_sheet_has_no_parallax() -> None:
    frames = [FACE] + [_similar(FACE, a, 1.0 + a, (3 * a, -2 * a)) for a in (0.02, -0.03, 0.05)]
    assert nose_parallax(frames) < 1e-9


def test_nose_moving_off_the_plane_is_parallax() -> None:
    turned = FACE.copy()
    turned[2, 0] += 7.0  # the nose tip moves, eyes and mouth stay: a head turn
    assert abs(nose_parallax([FACE, turned, turned]) - 0.1) < 1e-9  # 7 px over a 70 px IED


def test_blink_needs_both_eyes() -> None:
    steady = np.full((6, 2), 0.5)
    one_eye = steady.copy()
    one_eye[3, 0] = 0.3  # jitter on one eye box only
    both = steady.copy()
    both[3] = (0.4, 0.42)
    assert blink_strength(steady) == 0.0
    assert blink_strength(one_eye) == 0.0
    assert abs(blink_strength(both) - 0.08) < 1e-12


def test_moire_spike_vs_noise() -> None:
    rng = np.random.default_rng(1)
    noise = rng.normal(128.0, 10.0, size=(120, 100))
    ys, xs = np.mgrid[0:120, 0:100]
    stripes = noise + 10.0 * np.cos(2 * np.pi * (xs * 0.8 + ys * 0.6) / 4.5)
    assert moire_peak(noise) < 30.0
    assert moire_peak(stripes) > 200.0


def test_grain_grows_with_fine_texture() -> None:
    rng = np.random.default_rng(2)
    smooth = np.tile(np.linspace(50.0, 200.0, 100), (100, 1))
    assert grain(smooth) < 1e-9
    assert grain(smooth + rng.normal(0.0, 5.0, size=smooth.shape)) > 5.0

"""Emulated presentation species: bona fide, print attack, screen replay.

Why: the kiosk's PAD must be evaluated (ISO/IEC 30107-3 style) without real
attack recordings. Each species turns one face photo into a 640x480 RGB frame
sequence, deterministic by seed. Live faces move non-rigidly (nose against the
eye/mouth plane) and blink; a print is a flat sheet moved by one homography
with paper grain and a compressed tonal range; a replay adds screen moire,
gamma, a cool colour cast and refresh banding. These models are crude and
were written together with the detectors, so results on them are an upper bound.
"""

from __future__ import annotations

import io
from typing import Literal

import numpy as np
import numpy.typing as npt
from PIL import Image

from openabc.hal.resample import bilinear_sample

Species = Literal["bona_fide", "print", "screen"]
SPECIES: tuple[Species, ...] = ("bona_fide", "print", "screen")
FRAME_W, FRAME_H = 640, 480
_WALL = np.array([196.0, 202.0, 208.0], dtype=np.float32)
FloatImage = npt.NDArray[np.float32]


def generate_sequence(
    photo: npt.NDArray[np.uint8],
    landmarks: npt.NDArray[np.float64],
    species: Species,
    *,
    seed: int,
    frames: int = 6,
    target_ied: float = 70.0,
) -> list[npt.NDArray[np.uint8]]:
    """``frames`` camera frames of ``photo`` presented as ``species``.

    ``landmarks`` are the photo's five MTCNN landmarks; the face is scaled to
    ``target_ied`` px between the eyes and centred in the frame.
    """
    rng = np.random.default_rng(seed)
    scene, lm = _place(photo, landmarks, target_ied * float(rng.uniform(0.9, 1.1)))
    ied = float(np.linalg.norm(lm[1] - lm[0]))
    centre = lm.mean(axis=0)
    if species == "print":
        scene = _as_print(scene, centre, ied, rng)
    elif species == "screen":
        scene = _as_screen(scene, centre, ied, rng)
    blink_at = int(rng.integers(1, frames)) if species == "bona_fide" and frames > 1 else -1
    out = []
    for index in range(frames):
        ys, xs = np.mgrid[0:FRAME_H, 0:FRAME_W].astype(np.float32)
        if species == "bona_fide":
            xs, ys = _live_motion(xs, ys, lm, ied, rng, first=index == 0)
        else:
            xs, ys = _rigid_motion(xs, ys, centre, rng, perspective=species == "print")
        shown = _banding(scene, rng) if species == "screen" else scene
        if index == blink_at:
            shown = _blink(shown, lm, ied)
        frame = bilinear_sample(shown, xs, ys)
        out.append(_camera(frame, rng))
    return out


def _place(
    photo: npt.NDArray[np.uint8], lm: npt.NDArray[np.float64], ied: float
) -> tuple[FloatImage, npt.NDArray[np.float64]]:
    """Scale the photo to the wanted eye distance and centre the face on the wall."""
    scale = ied / float(np.linalg.norm(lm[1] - lm[0]))
    h, w = photo.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    img = np.asarray(Image.fromarray(photo).resize(size, Image.Resampling.BILINEAR), np.float32)
    lm_s = lm * scale
    offset = np.array([FRAME_W / 2, FRAME_H / 2]) - lm_s.mean(axis=0)
    canvas = np.empty((FRAME_H, FRAME_W, 3), np.float32)
    canvas[:] = _WALL
    ox, oy = round(offset[0]), round(offset[1])
    x0, y0 = max(0, ox), max(0, oy)
    x1, y1 = min(FRAME_W, ox + size[0]), min(FRAME_H, oy + size[1])
    canvas[y0:y1, x0:x1] = img[y0 - oy : y1 - oy, x0 - ox : x1 - ox]
    return canvas, lm_s + np.array([ox, oy], dtype=np.float64)


def _as_print(
    scene: FloatImage, c: npt.NDArray[np.float64], ied: float, rng: np.random.Generator
) -> FloatImage:
    """A sheet: photo cropped with a white border, paper grain, compressed tones."""
    ys, xs = np.mgrid[0:FRAME_H, 0:FRAME_W]  # the sheet's inner photo and white border
    inner = (abs(xs - c[0]) < 1.6 * ied) & (abs(ys - c[1]) < 2.1 * ied)
    sheet = (abs(xs - c[0]) < 1.8 * ied) & (abs(ys - c[1]) < 2.3 * ied)
    out = scene.copy()
    out[sheet & ~inner] = 240.0
    grey = out.mean(axis=2, keepdims=True)
    out = grey + 0.8 * (out - grey)
    out = 38.0 + out * (172.0 / 255.0)
    grain = rng.normal(0.0, 5.0, size=(FRAME_H // 2, FRAME_W // 2)).astype(np.float32)
    grain = np.repeat(np.repeat(grain, 2, axis=0), 2, axis=1)
    out[sheet] += grain[sheet][:, None]
    return np.where(sheet[..., None], out, _WALL).astype(np.float32)


def _as_screen(
    scene: FloatImage, c: npt.NDArray[np.float64], ied: float, rng: np.random.Generator
) -> FloatImage:
    """A phone screen: black bezel, display gamma, cool white point, moire."""
    ys, xs = np.mgrid[0:FRAME_H, 0:FRAME_W].astype(np.float32)
    inner = (abs(xs - c[0]) < 1.5 * ied) & (abs(ys - c[1]) < 2.4 * ied)
    bezel = (abs(xs - c[0]) < 1.65 * ied) & (abs(ys - c[1]) < 2.7 * ied)
    out = 255.0 * (scene / 255.0) ** float(rng.uniform(1.15, 1.35))
    out *= np.array([0.88, 0.98, 1.12], dtype=np.float32)
    period, angle = float(rng.uniform(3.5, 6.0)), float(rng.uniform(0.0, np.pi))
    phase = 2 * np.pi * (xs * np.cos(angle) + ys * np.sin(angle)) / period
    out += (10.0 * np.cos(phase))[..., None]
    out = np.where(inner[..., None], out, _WALL)
    out[bezel & ~inner] = 12.0
    return out.astype(np.float32)


def _live_motion(
    xs: FloatImage,
    ys: FloatImage,
    lm: npt.NDArray[np.float64],
    ied: float,
    rng: np.random.Generator,
    *,
    first: bool,
) -> tuple[FloatImage, FloatImage]:
    """Head turn: the nose region shifts more than the eyes and mouth (parallax)."""
    if first:
        return xs, ys
    shift = rng.uniform(-3.0, 3.0, size=2)
    yaw, pitch = rng.uniform(0.06, 0.13, size=2) * ied * rng.choice([-1.0, 1.0], size=2)
    sigma = 0.45 * ied
    bump = np.exp(-((xs - lm[2, 0]) ** 2 + (ys - lm[2, 1]) ** 2) / (2 * sigma**2))
    return (xs - shift[0] - yaw * bump).astype(np.float32), (
        ys - shift[1] - 0.5 * pitch * bump
    ).astype(np.float32)


def _rigid_motion(
    xs: FloatImage,
    ys: FloatImage,
    c: npt.NDArray[np.float64],
    rng: np.random.Generator,
    *,
    perspective: bool,
) -> tuple[FloatImage, FloatImage]:
    """One homography for the whole sheet or screen (hand-held tilt and shift)."""
    angle = float(rng.uniform(-0.05, 0.05))
    scale = float(rng.uniform(0.97, 1.03))
    tx, ty = rng.uniform(-6.0, 6.0, size=2)
    px, py = rng.uniform(-3e-4, 3e-4, size=2) if perspective else (0.0, 0.0)
    u, v = xs - c[0] - tx, ys - c[1] - ty
    w = 1.0 + px * u + py * v
    u, v = u / w, v / w
    cos, sin = np.cos(angle) / scale, np.sin(angle) / scale
    return (cos * u + sin * v + c[0]).astype(np.float32), (-sin * u + cos * v + c[1]).astype(
        np.float32
    )


def _blink(frame: FloatImage, lm: npt.NDArray[np.float64], ied: float) -> FloatImage:
    """Closed eyelids, crudely: eye openings darker and flatter, moving with the head."""
    out, (ys, xs) = frame.copy(), np.mgrid[0:FRAME_H, 0:FRAME_W]
    for ex, ey in lm[:2]:
        mask = ((xs - ex) / (0.22 * ied)) ** 2 + ((ys - ey) / (0.11 * ied)) ** 2 < 1.0
        region = out[mask]
        out[mask] = 0.65 * (0.5 * region + 0.5 * region.mean(axis=0))
    return out


def _banding(frame: FloatImage, rng: np.random.Generator) -> FloatImage:
    """Rolling refresh bands on the lit screen."""
    rows = np.arange(FRAME_H, dtype=np.float32)
    gain = 1.0 + 0.05 * np.sin(2 * np.pi * rows / 60.0 + float(rng.uniform(0, 2 * np.pi)))
    lit = (frame.max(axis=2) > 13.0)[..., None] & np.any(frame != _WALL, axis=2)[..., None]
    return np.where(lit, frame * gain[:, None, None], frame).astype(np.float32)


def _camera(frame: FloatImage, rng: np.random.Generator) -> npt.NDArray[np.uint8]:
    """Sensor gain and noise, then JPEG like the network camera."""
    frame = frame * float(rng.uniform(0.95, 1.05))
    frame = frame + rng.normal(0.0, 2.0, size=frame.shape).astype(np.float32)
    buffer = io.BytesIO()
    Image.fromarray(np.clip(frame, 0, 255).astype(np.uint8)).save(buffer, "JPEG", quality=92)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"), dtype=np.uint8)

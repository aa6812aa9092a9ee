"""A face camera for the demo and tests: the traveller (or an attack) in front of a wall.

Why: the kiosk's quality loop and PAD veto can only be exercised end to end if
the emulated camera produces what a real one would: a bona fide face at normal
distance (inter-eye distance ~70-100 px in 640x480), a traveller who stands
too far, looks aside, stands in the dark or moves, and print or screen-replay
attacks. Given the photo's five landmarks, ``present`` first levels the head
and turns it to face the camera (the seed photos are not all frontal), then
renders each capture with ``pad.emulated_attacks.generate_sequence``, so live
faces move non-rigidly and blink while attacks move as one flat sheet.
Frames are deterministic for a given seed and call sequence, and pass
through JPEG and ``decode_image`` like frames from a real network camera, so
injected corruption hits the same error path as in production.

Without landmarks (legacy callers) the whole photo is pasted at 40-55 % of the
frame height: faces then come out far too small for the quality gate.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageFilter

from openabc.hal.base import Frame
from openabc.hal.device_errors import DeviceTimeout
from openabc.hal.images import decode_image
from openabc.hal.resample import bilinear_sample
from openabc.inference.quality import FRONTAL_NOSE, NOSE_DEPTH
from openabc.pad.emulated_attacks import Species, generate_sequence

log = logging.getLogger(__name__)

FRAME_WIDTH = 640
FRAME_HEIGHT = 480
MAX_FRAMES_PER_CAPTURE = 60
_BACKGROUND = np.array([196, 202, 208], dtype=np.float32)  # pale grey-blue wall
_MAX_SHIFT = 4
_NOISE_SIGMA = 2.0

Fault = Literal["corrupt", "timeout"]
Condition = Literal["good", "far", "turned", "dark", "blurred"]
CONDITIONS: tuple[Condition, ...] = get_args(Condition)
SPECIES_NAMES: tuple[Species, ...] = ("bona_fide", "print", "screen")

# Inter-eye distance asked of generate_sequence, which jitters it by +-10 %:
# "good" gives ~72-97 px (a traveller at ~0.6-0.8 m), "far" ~40-53 px (twice as far).
_GOOD_IED = (86.0, 94.0)
_FAR_IED = (44.0, 48.0)
_TURNED_YAW_DEG = (26.0, 32.0)  # head turned aside ...
_TURNED_ROLL_DEG = (12.0, 16.0)  # ... and tilted
_DARK_GAIN = (0.15, 0.22)  # under-exposure: mean face grey ~20-30 instead of ~130
_DARK_NOISE = 3.0  # sensor gain noise on top of the under-exposed signal
_BLUR_IED_FRACTION = 0.05  # defocus: Gaussian radius ~4 px at IED 85
_BUMP_SIGMA_IED = 0.5  # extent of the nose displacement used to re-pose the head
_WORK_IED = 120.0  # inter-eye distance at which the photo is re-posed
_CROP_IEDS = (4.0, 3.5)  # half width, half height of the head crop, in inter-eye distances

FloatArray = npt.NDArray[np.float64]


class EmulatedCamera:
    """``Camera`` showing whatever ``present()`` put in front of it."""

    def __init__(self, rng_seed: int) -> None:
        self._rng = np.random.default_rng(rng_seed)
        self._subject: Frame | None = None  # legacy: the whole photo, pre-scaled
        self._photo: Frame | None = None  # the traveller's photo, levelled and frontal
        self._landmarks: FloatArray | None = None
        self._turned: tuple[Frame, FloatArray] | None = None
        self._species: Species = "bona_fide"
        self._condition: Condition = "good"
        self._script: list[Condition] = []
        self._faults: list[Fault] = []

    def present(
        self,
        face_image: Frame,
        landmarks: npt.ArrayLike | None = None,
        *,
        species: Species = "bona_fide",
        condition: Condition = "good",
    ) -> None:
        """The traveller steps up: ``face_image`` is an RGB uint8 HxWx3 photo.

        ``landmarks`` are the photo's five MTCNN landmarks (5x2, x/y: eyes,
        nose, mouth corners); they are needed for realistic framing, for the
        attack ``species`` and for any ``condition`` other than "good".
        """
        if face_image.dtype != np.uint8 or face_image.ndim != 3 or face_image.shape[2] != 3:
            raise ValueError("face_image must be an RGB uint8 array of shape (H, W, 3)")
        if face_image.shape[0] < 8 or face_image.shape[1] < 8:
            raise ValueError("face_image is too small")
        if species not in SPECIES_NAMES:
            raise ValueError(f"unknown species {species!r}")
        _check_condition(condition)
        self._script = []
        self._turned = None
        self._species, self._condition = species, condition
        if landmarks is None:
            if species != "bona_fide" or condition != "good":
                raise ValueError("species and conditions need the photo's landmarks")
            self._photo = self._landmarks = None
            self._subject = self._legacy_subject(face_image)
            return
        lm = np.asarray(landmarks, dtype=np.float64)
        if lm.shape != (5, 2) or not np.all(np.isfinite(lm)):
            raise ValueError("landmarks must be 5x2 finite (x, y) points")
        if np.linalg.norm(lm[1] - lm[0]) < 8.0:
            raise ValueError("landmarks: eyes are too close together")
        self._subject = None
        photo, lm = _crop_face(face_image, lm)
        self._photo, self._landmarks = _repose(photo, lm, yaw_deg=0.0, roll_deg=0.0)

    def present_conditions(self, conditions: Sequence[Condition]) -> None:
        """Script the next captures: one condition per ``capture`` call, in order.

        Once the script is used up, the presentation's own condition applies
        again. ``["far", "good"]``: the first attempt is poor, the second good.
        """
        if self._photo is None:
            raise ValueError("present a photo with landmarks before scripting conditions")
        for condition in conditions:
            _check_condition(condition)
        self._script = list(conditions)

    def present_nobody(self) -> None:
        """The lane is empty: frames show only the wall."""
        self._subject = self._photo = self._landmarks = None
        self._turned = None
        self._script = []

    def inject_fault(self, fault: Fault) -> None:
        """Make the next ``capture`` fail with a corrupt frame or a timeout."""
        if fault not in ("corrupt", "timeout"):
            raise ValueError(f"unknown fault {fault!r}")
        self._faults.append(fault)

    def capture(self, count: int, timeout: float) -> list[Frame]:
        """``count`` 640x480 RGB frames of the current presentation."""
        if not 1 <= count <= MAX_FRAMES_PER_CAPTURE:
            raise ValueError(f"count must be 1..{MAX_FRAMES_PER_CAPTURE}")
        fault = self._faults.pop(0) if self._faults else None
        if fault == "timeout":
            raise DeviceTimeout(f"camera delivered no frame within {timeout:.1f} s")
        if self._photo is not None:
            condition = self._script.pop(0) if self._script else self._condition
            rendered = self._render_presentation(count, condition)
        else:
            rendered = [self._render() for _ in range(count)]
        frames = []
        for index, image in enumerate(rendered):
            jpeg = _to_jpeg(image)
            if fault == "corrupt" and index == count // 2:
                jpeg = jpeg[: len(jpeg) // 2]
            frames.append(decode_image(jpeg))
        log.debug("emulated camera captured %s frames", count)
        return frames

    def _render_presentation(self, count: int, condition: Condition) -> list[Frame]:
        assert self._photo is not None and self._landmarks is not None
        photo, lm = self._photo, self._landmarks
        if condition == "turned":
            if self._turned is None:
                yaw = float(self._rng.uniform(*_TURNED_YAW_DEG)) * float(self._rng.choice([-1, 1]))
                roll = float(self._rng.uniform(*_TURNED_ROLL_DEG)) * float(
                    self._rng.choice([-1, 1])
                )
                self._turned = _repose(photo, lm, yaw_deg=yaw, roll_deg=roll)
            photo, lm = self._turned
        ied = float(self._rng.uniform(*(_FAR_IED if condition == "far" else _GOOD_IED)))
        seed = int(self._rng.integers(0, 2**31 - 1))
        frames = generate_sequence(
            photo, lm, self._species, seed=seed, frames=count, target_ied=ied
        )
        if condition == "dark":
            gain = float(self._rng.uniform(*_DARK_GAIN))
            frames = [
                np.clip(f * gain + self._rng.normal(0.0, _DARK_NOISE, f.shape), 0, 255).astype(
                    np.uint8
                )
                for f in frames
            ]
        elif condition == "blurred":
            radius = _BLUR_IED_FRACTION * ied
            frames = [
                np.asarray(Image.fromarray(f).filter(ImageFilter.GaussianBlur(radius)), np.uint8)
                for f in frames
            ]
        return frames

    def _legacy_subject(self, face_image: Frame) -> Frame:
        """Scale so the photo's height is 40-55% of the frame (a face at ~1 m)."""
        share = float(self._rng.uniform(0.40, 0.55))
        height = round(FRAME_HEIGHT * share)
        width = round(face_image.shape[1] * height / face_image.shape[0])
        if width > FRAME_WIDTH - 2 * _MAX_SHIFT:
            width = FRAME_WIDTH - 2 * _MAX_SHIFT
            height = round(face_image.shape[0] * width / face_image.shape[1])
        resized = Image.fromarray(face_image).resize((max(width, 1), max(height, 1)))
        return np.asarray(resized, dtype=np.uint8)

    def _render(self) -> Frame:
        canvas = np.empty((FRAME_HEIGHT, FRAME_WIDTH, 3), dtype=np.float32)
        canvas[:] = _BACKGROUND
        if self._subject is not None:
            h, w = self._subject.shape[:2]
            dy, dx = self._rng.integers(-_MAX_SHIFT, _MAX_SHIFT + 1, size=2)
            top = (FRAME_HEIGHT - h) // 2 + int(dy)
            left = (FRAME_WIDTH - w) // 2 + int(dx)
            canvas[top : top + h, left : left + w] = self._subject
        canvas *= float(self._rng.uniform(0.95, 1.05))
        canvas += self._rng.normal(0.0, _NOISE_SIGMA, size=canvas.shape).astype(np.float32)
        return np.clip(canvas, 0, 255).astype(np.uint8)


def _check_condition(condition: str) -> None:
    if condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}")


def _rotate(points: FloatArray, centre: FloatArray, angle: float) -> FloatArray:
    """Rotate (N, 2) image points about ``centre``; positive turns clockwise on screen."""
    c, s = float(np.cos(angle)), float(np.sin(angle))  # python floats keep float32 grids
    d = points - centre.astype(points.dtype)
    return np.stack([c * d[..., 0] - s * d[..., 1], s * d[..., 0] + c * d[..., 1]], -1) + centre


def _crop_face(photo: Frame, lm: FloatArray) -> tuple[Frame, FloatArray]:
    """The head and shoulders, resampled (bicubic) to ``_WORK_IED`` px between the eyes.

    Working above the frame's scale keeps the re-posing warp from blurring
    the face; generate_sequence then scales it down to the wanted distance.
    """
    ied = float(np.linalg.norm(lm[1] - lm[0]))
    scale = _WORK_IED / ied
    centre = lm.mean(axis=0)
    half = np.array([_CROP_IEDS[0], _CROP_IEDS[1]]) * ied
    h, w = photo.shape[:2]
    x0, y0 = np.maximum(centre - half, 0.0)
    x1, y1 = np.minimum(centre + half, [w, h])
    size = (max(1, round((x1 - x0) * scale)), max(1, round((y1 - y0) * scale)))
    resized = Image.fromarray(photo).resize(size, Image.Resampling.BICUBIC, box=(x0, y0, x1, y1))
    return np.asarray(resized, dtype=np.uint8), (lm - [x0, y0]) * scale


def _repose(
    photo: Frame, lm: FloatArray, *, yaw_deg: float, roll_deg: float
) -> tuple[Frame, FloatArray]:
    """Re-pose the head in a photo: eyes levelled then rolled by ``roll_deg``, nose moved to
    where the pose model of ``inference.quality`` puts it at ``yaw_deg`` and zero pitch.

    The nose region is displaced by a Gaussian bump (a crude stand-in for a head
    turn, as in ``pad.emulated_attacks``); eyes and mouth stay put. Returns the
    new photo (same size, wall colour where nothing is known) and its landmarks.
    """
    centre = lm[:2].mean(axis=0)
    tilt = float(np.arctan2(lm[1, 1] - lm[0, 1], lm[1, 0] - lm[0, 0]))
    level = _rotate(lm, centre, -tilt)
    eyes, mouth = level[:2].mean(axis=0), level[3:].mean(axis=0)
    h = max(float(mouth[1] - eyes[1]), 1.0)
    nose = np.array(
        [
            0.5 * (eyes[0] + mouth[0]) + np.sin(np.radians(yaw_deg)) * NOSE_DEPTH * h,
            eyes[1] + FRONTAL_NOSE * h,
        ]
    )
    shift = nose - level[2]
    sigma = _BUMP_SIGMA_IED * float(np.linalg.norm(lm[1] - lm[0]))
    roll = np.radians(roll_deg)
    height, width = photo.shape[:2]
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    grid = _rotate(np.stack([xs, ys], -1), centre, -roll)  # output -> levelled
    nx, ny = float(nose[0]), float(nose[1])
    bump = np.exp(-((grid[..., 0] - nx) ** 2 + (grid[..., 1] - ny) ** 2) / (2 * sigma**2))
    grid = grid - shift.astype(np.float32) * bump[..., None]  # undo the nose displacement
    src = _rotate(grid, centre, tilt)  # levelled -> original photo
    out = _bilinear(photo.astype(np.float32), src[..., 0], src[..., 1])
    new_lm = level.copy()
    new_lm[2] = nose
    return out, _rotate(new_lm, centre, roll)


def _bilinear(
    img: npt.NDArray[np.float32], xs: npt.NDArray[np.floating], ys: npt.NDArray[np.floating]
) -> Frame:
    """Sample ``img`` at (xs, ys); outside the photo is the wall."""
    h, w = img.shape[:2]
    inside = (xs >= 0) & (xs <= w - 1) & (ys >= 0) & (ys <= h - 1)
    out = np.where(inside[..., None], bilinear_sample(img, xs, ys), _BACKGROUND)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _to_jpeg(frame: Frame) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(frame).save(buffer, format="JPEG", quality=92)
    return buffer.getvalue()

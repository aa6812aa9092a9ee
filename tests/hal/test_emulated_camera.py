"""EmulatedCamera: geometry, jitter, determinism and injected faults."""

from __future__ import annotations

import numpy as np
import pytest

from openabc.hal.base import Camera
from openabc.hal.device_errors import CorruptFrame, DeviceTimeout
from openabc.hal.emulated_camera import EmulatedCamera


def face_photo(height: int = 400, width: int = 300) -> np.ndarray:
    """A synthetic 'photo': dark red rectangle with a bright stripe pattern."""
    photo = np.zeros((height, width, 3), dtype=np.uint8)
    photo[:, :, 0] = 150
    photo[::8, :, 1] = 255
    return photo


def subject_rows(frame: np.ndarray) -> np.ndarray:
    """Row indices where the photo (strongly red, unlike the grey wall) is visible."""
    red = frame[:, :, 0].astype(int) - frame[:, :, 2].astype(int)
    return np.flatnonzero((red > 60).sum(axis=1) > 10)


def test_frames_are_640x480_rgb_uint8() -> None:
    camera: Camera = EmulatedCamera(rng_seed=1)
    assert isinstance(camera, EmulatedCamera)
    camera.present(face_photo())
    frames = camera.capture(3, timeout=1.0)
    assert len(frames) == 3
    for frame in frames:
        assert frame.shape == (480, 640, 3)
        assert frame.dtype == np.uint8


@pytest.mark.parametrize("shape", [(400, 300), (100, 80), (200, 900), (1200, 1000)])
def test_face_fills_35_to_60_percent_of_height(shape: tuple[int, int]) -> None:
    camera = EmulatedCamera(rng_seed=7)
    camera.present(face_photo(*shape))
    for frame in camera.capture(2, timeout=1.0):
        rows = subject_rows(frame)
        share = (rows.max() - rows.min() + 1) / 480
        if shape[1] / shape[0] < 2:  # very wide photos are limited by the frame width
            assert 0.35 <= share <= 0.60
        centre = (rows.max() + rows.min()) / 2
        assert abs(centre - 240) <= 8


def test_frames_jitter_but_only_a_little() -> None:
    camera = EmulatedCamera(rng_seed=3)
    camera.present(face_photo())
    first, second = camera.capture(2, timeout=1.0)
    assert not np.array_equal(first, second)
    diff = np.abs(first.astype(int) - second.astype(int))
    # Background brightness differs by at most ~10 % plus noise and JPEG error.
    assert np.median(diff[:20, :20]) < 30


def test_same_seed_same_frames() -> None:
    frames = []
    for _ in range(2):
        camera = EmulatedCamera(rng_seed=42)
        camera.present(face_photo())
        frames.append(camera.capture(2, timeout=1.0))
    assert all(np.array_equal(a, b) for a, b in zip(*frames, strict=True))


def test_nobody_present_shows_a_plain_wall() -> None:
    camera = EmulatedCamera(rng_seed=5)
    camera.present(face_photo())
    camera.present_nobody()
    frame = camera.capture(1, timeout=1.0)[0]
    assert subject_rows(frame).size == 0
    assert frame.std(axis=(0, 1)).max() < 10


def test_injected_timeout_affects_only_the_next_capture() -> None:
    camera = EmulatedCamera(rng_seed=1)
    camera.inject_fault("timeout")
    with pytest.raises(DeviceTimeout):
        camera.capture(2, timeout=0.5)
    assert len(camera.capture(2, timeout=0.5)) == 2


def test_injected_corruption_goes_through_the_decoder() -> None:
    camera = EmulatedCamera(rng_seed=1)
    camera.present(face_photo())
    camera.inject_fault("corrupt")
    with pytest.raises(CorruptFrame):
        camera.capture(3, timeout=0.5)
    assert len(camera.capture(1, timeout=0.5)) == 1


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((100, 100), dtype=np.uint8),
        np.zeros((100, 100, 4), dtype=np.uint8),
        np.zeros((100, 100, 3), dtype=np.float32),
        np.zeros((2, 100, 3), dtype=np.uint8),
    ],
)
def test_present_refuses_non_rgb_photos(bad: np.ndarray) -> None:
    with pytest.raises(ValueError):
        EmulatedCamera(rng_seed=0).present(bad)


def test_bad_arguments() -> None:
    camera = EmulatedCamera(rng_seed=0)
    with pytest.raises(ValueError):
        camera.capture(0, timeout=1.0)
    with pytest.raises(ValueError):
        camera.inject_fault("explode")  # type: ignore[arg-type]

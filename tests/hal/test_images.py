"""decode_image against real bombs, truncated files and odd modes built here."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFile

from openabc.hal.device_errors import CorruptFrame, DeviceError
from openabc.hal.images import decode_image


def encode(image: Image.Image, fmt: str, **kwargs: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def noisy_rgb(width: int = 320, height: int = 240) -> Image.Image:
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def bomb_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header announces width x height 1-bit pixels of zeros."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(64)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )


def test_jpeg_and_png_decode_to_rgb_uint8() -> None:
    for fmt in ("JPEG", "PNG"):
        array = decode_image(encode(noisy_rgb(), fmt))
        assert array.shape == (240, 320, 3)
        assert array.dtype == np.uint8


def test_png_is_lossless() -> None:
    image = noisy_rgb(16, 8)
    assert np.array_equal(decode_image(encode(image, "PNG")), np.asarray(image))


@pytest.mark.parametrize("mode", ["L", "P", "RGBA", "LA", "1", "I;16"])
def test_other_modes_are_converted_to_rgb(mode: str) -> None:
    image = noisy_rgb(32, 16).convert("RGBA" if mode in ("RGBA", "LA") else "RGB")
    image = image.convert(mode) if mode != "I;16" else Image.new("I;16", (32, 16), 300)
    array = decode_image(encode(image, "PNG"))
    assert array.shape == (16, 32, 3)


def test_cmyk_jpeg_is_converted() -> None:
    array = decode_image(encode(noisy_rgb(32, 16).convert("CMYK"), "JPEG"))
    assert array.shape == (16, 32, 3)


def test_decompression_bomb_refused_from_header() -> None:
    data = bomb_png(5000, 5000)  # 25 Mpx announced in a few hundred bytes
    assert len(data) < 10_000
    with pytest.raises(CorruptFrame, match="decompression bomb"):
        decode_image(data)


def test_giant_bomb_refused_even_past_pillows_own_limit() -> None:
    with pytest.raises(CorruptFrame):
        decode_image(bomb_png(100_000, 100_000))


def test_pixel_limit_is_configurable() -> None:
    data = encode(noisy_rgb(100, 100), "PNG")
    assert decode_image(data, max_pixels=10_000).shape == (100, 100, 3)
    with pytest.raises(CorruptFrame):
        decode_image(data, max_pixels=9_999)


def test_byte_limit() -> None:
    data = encode(noisy_rgb(), "PNG")
    with pytest.raises(CorruptFrame, match="bytes"):
        decode_image(data, max_bytes=len(data) - 1)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_truncated_files_are_refused(fmt: str, keep: float) -> None:
    data = encode(noisy_rgb(), fmt)
    with pytest.raises(CorruptFrame):
        decode_image(data[: int(len(data) * keep)])


def test_truncated_jpeg_refused_even_with_global_load_truncated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = encode(noisy_rgb(), "JPEG")
    with pytest.raises(CorruptFrame, match="truncated"):
        decode_image(data[: len(data) // 2])


def test_corrupt_scan_data_is_refused() -> None:
    data = bytearray(encode(noisy_rgb(), "PNG"))
    data[200:260] = b"\xff" * 60
    with pytest.raises(CorruptFrame):
        decode_image(bytes(data))


@pytest.mark.parametrize(
    "data", [b"", b"\x00", b"hello world", b"\xff\xd8\xff", b"GIF89a" + b"\0" * 40]
)
def test_garbage_is_refused(data: bytes) -> None:
    with pytest.raises(CorruptFrame):
        decode_image(data)


def test_unlisted_format_is_refused() -> None:
    data = encode(noisy_rgb(16, 16), "BMP")
    with pytest.raises(CorruptFrame):
        decode_image(data)
    assert decode_image(data, formats=("BMP",)).shape == (16, 16, 3)


def test_zero_size_png_is_refused() -> None:
    ihdr = struct.pack(">IIBBBBB", 0, 10, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IEND", b"")
    with pytest.raises(CorruptFrame):
        decode_image(data)


def test_corrupt_frame_is_a_device_error() -> None:
    assert issubclass(CorruptFrame, DeviceError)

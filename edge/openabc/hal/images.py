"""Safe decoding of untrusted images (document portraits, camera frames).

Pillow's own bomb guard (``Image.MAX_IMAGE_PIXELS``) is process-wide state that
any library may change, so the pixel budget is checked here from the header,
before any pixel data is decompressed.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence

import numpy as np
from PIL import Image, UnidentifiedImageError

from openabc.hal.base import Frame
from openabc.hal.device_errors import CorruptFrame

log = logging.getLogger(__name__)

DEFAULT_FORMATS = ("JPEG", "PNG")
_TAIL = 1024


def _check_trailer(data: bytes, image_format: str | None) -> None:
    """Refuse files cut short even if someone set ``LOAD_TRUNCATED_IMAGES``."""
    tail = data[-_TAIL:]
    if image_format == "JPEG" and b"\xff\xd9" not in tail:
        raise CorruptFrame("JPEG is truncated (no end-of-image marker)")
    if image_format == "PNG" and b"IEND" not in tail:
        raise CorruptFrame("PNG is truncated (no IEND chunk)")


def decode_image(
    data: bytes,
    *,
    max_pixels: int = 12_000_000,
    max_bytes: int = 10_000_000,
    formats: Sequence[str] = DEFAULT_FORMATS,
) -> Frame:
    """Decode ``data`` to an RGB uint8 array of shape (height, width, 3).

    Raises CorruptFrame for empty, oversized, truncated, corrupt or
    unsupported input, and for images whose header announces more than
    ``max_pixels`` pixels (decompression bombs).
    """
    if not data:
        raise CorruptFrame("image is empty")
    if len(data) > max_bytes:
        raise CorruptFrame(f"image is {len(data)} bytes, limit is {max_bytes}")
    try:
        image = Image.open(io.BytesIO(data), formats=list(formats))
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise CorruptFrame(f"not a readable {'/'.join(formats)} image") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise CorruptFrame(f"image header is corrupt: {type(exc).__name__}") from exc
    with image:
        width, height = image.size
        if width <= 0 or height <= 0:
            raise CorruptFrame(f"image has zero size ({width}x{height})")
        if width * height > max_pixels:
            raise CorruptFrame(
                f"image is {width}x{height} pixels, limit is {max_pixels} (decompression bomb?)"
            )
        _check_trailer(data, image.format)
        try:
            image.load()
            rgb = image if image.mode == "RGB" else image.convert("RGB")
            array = np.array(rgb, dtype=np.uint8)
        except (OSError, SyntaxError, ValueError, EOFError, MemoryError) as exc:
            raise CorruptFrame(f"image data is corrupt: {exc}") from exc
    if array.ndim != 3 or array.shape[2] != 3:
        raise CorruptFrame(f"decoded image has unexpected shape {array.shape}")
    log.debug("decoded %s image %sx%s", image.format, width, height)
    return array

"""ISO/IEC 19794-2:2005 finger minutiae record: encoder and strict decoder.

afis has an "ISO-style" codec, but it writes ppi where the standard wants
pixels per centimetre, minutia quality as 0-255 and version "020"; border
systems exchange the real format, so it is implemented here and every field is
checked on load (a template from outside is untrusted input).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum

from openabc.fingerprint.types import Finger

MAGIC = b"FMR\x00"
VERSION = b" 20\x00"
_HEADER = struct.Struct(">4s4sIHHHHHBB")  # 24 bytes
_VIEW = struct.Struct(">BBBB")
_MINUTIA = struct.Struct(">HHBB")
_IMPRESSION_TYPES = frozenset({0, 1, 2, 3, 8})  # live/non-live plain/rolled, swipe
MAX_MINUTIAE = 255


class RecordError(ValueError):
    """The bytes are not a valid ISO/IEC 19794-2:2005 record."""


class MinutiaType(IntEnum):
    OTHER = 0
    ENDING = 1
    BIFURCATION = 2


@dataclass(frozen=True)
class Minutia:
    """Position in pixels, angle in units of 360/256 degrees, quality 1-100 (0 = unknown)."""

    kind: MinutiaType
    x: int
    y: int
    angle: int
    quality: int


@dataclass(frozen=True)
class FingerView:
    finger: Finger
    minutiae: tuple[Minutia, ...]
    quality: int = 0
    view_number: int = 0
    impression_type: int = 0  # live-scan plain


@dataclass(frozen=True)
class MinutiaeRecord:
    width: int
    height: int
    views: tuple[FingerView, ...]
    x_resolution: int = 197  # pixels per cm: 500 ppi
    y_resolution: int = 197
    device_id: int = 0
    certification: int = 0


def encode_record(record: MinutiaeRecord) -> bytes:
    """Serialise; raises :class:`RecordError` if a field is out of range."""
    _validate(record)
    body = bytearray()
    for view in record.views:
        body += _VIEW.pack(
            int(view.finger),
            (view.view_number << 4) | view.impression_type,
            view.quality,
            len(view.minutiae),
        )
        for m in view.minutiae:
            body += _MINUTIA.pack((int(m.kind) << 14) | m.x, m.y, m.angle, m.quality)
    body += struct.pack(">H", 0)  # extended data block length
    header = _HEADER.pack(
        MAGIC,
        VERSION,
        _HEADER.size + len(body),
        (record.certification << 12) | record.device_id,
        record.width,
        record.height,
        record.x_resolution,
        record.y_resolution,
        len(record.views),
        0,
    )
    return header + bytes(body)


def decode_record(data: bytes) -> MinutiaeRecord:
    """Parse and validate; anything malformed raises :class:`RecordError`."""
    if len(data) < _HEADER.size + 2:
        raise RecordError("record too short")
    magic, version, length, dev, w, h, xres, yres, n_views, reserved = _HEADER.unpack_from(data)
    if magic != MAGIC or version != VERSION:
        raise RecordError("not an ISO/IEC 19794-2:2005 finger minutiae record")
    if length != len(data):
        raise RecordError(f"record length field {length} != {len(data)} bytes")
    if reserved != 0:
        raise RecordError("reserved header byte is not zero")
    pos = _HEADER.size
    views: list[FingerView] = []
    for _ in range(n_views):
        if pos + _VIEW.size > len(data):
            raise RecordError("truncated finger view header")
        finger, packed, quality, count = _VIEW.unpack_from(data, pos)
        pos += _VIEW.size
        if pos + count * _MINUTIA.size > len(data):
            raise RecordError("truncated minutiae")
        minutiae: list[Minutia] = []
        for _ in range(count):
            tx, ry, angle, mq = _MINUTIA.unpack_from(data, pos)
            pos += _MINUTIA.size
            if ry >> 14:
                raise RecordError("reserved minutia bits are not zero")
            kind = tx >> 14
            if kind == 3:
                raise RecordError("reserved minutia type")
            minutiae.append(Minutia(MinutiaType(kind), tx & 0x3FFF, ry, angle, mq))
        if finger > max(Finger):
            raise RecordError(f"finger position {finger} is not defined")
        views.append(
            FingerView(Finger(finger), tuple(minutiae), quality, packed >> 4, packed & 0x0F)
        )
    if pos + 2 > len(data):
        raise RecordError("missing extended data length")
    (ext_len,) = struct.unpack_from(">H", data, pos)
    if pos + 2 + ext_len != len(data):
        raise RecordError("extended data length does not match the record length")
    record = MinutiaeRecord(w, h, tuple(views), xres, yres, dev & 0x0FFF, dev >> 12)
    _validate(record)
    return record


def _validate(rec: MinutiaeRecord) -> None:
    if not (0 < rec.width < 1 << 14 and 0 < rec.height < 1 << 14):
        raise RecordError("image size out of range")
    if not (0 < rec.x_resolution < 1 << 16 and 0 < rec.y_resolution < 1 << 16):
        raise RecordError("resolution out of range")
    if not (0 <= rec.device_id < 1 << 12 and 0 <= rec.certification < 16):
        raise RecordError("capture equipment field out of range")
    if not 1 <= len(rec.views) <= 255:
        raise RecordError("a record holds 1 to 255 finger views")
    for v in rec.views:
        if not 0 <= v.quality <= 100 or not 0 <= v.view_number <= 15:
            raise RecordError("finger view quality or view number out of range")
        if v.impression_type not in _IMPRESSION_TYPES:
            raise RecordError(f"impression type {v.impression_type} is not defined")
        if len(v.minutiae) > MAX_MINUTIAE:
            raise RecordError("more than 255 minutiae in a view")
        for m in v.minutiae:
            if not (0 <= m.x < rec.width and 0 <= m.y < rec.height):
                raise RecordError("minutia outside the image")
            if not (0 <= m.angle <= 255 and 0 <= m.quality <= 100):
                raise RecordError("minutia angle or quality out of range")

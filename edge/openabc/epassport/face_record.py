"""ISO/IEC 19794-5:2005 facial record: the biometric data block inside DG2.

Only what a border kiosk needs: one face, no feature points written (read
ones are skipped), a JPEG or JPEG 2000 image with its size. Every length in
the record is checked against the bytes actually present.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Literal

from openabc.epassport.errors import ChipFormatError

ImageKind = Literal["jpeg", "jpeg2000"]
FORMAT_ID = b"FAC\x00"
VERSION = b"010\x00"
_HEADER = struct.Struct(">4s4sIH")
_FACE_INFO = struct.Struct(">IHBBB3sH3s3s")
_IMAGE_INFO = struct.Struct(">BBHHBBHH")
_FEATURE_POINT_BYTES = 8
_IMAGE_KINDS: dict[int, ImageKind] = {0: "jpeg", 1: "jpeg2000"}
_FULL_FRONTAL = 1
_SRGB = 1
_STATIC_PHOTO_SCANNER = 3


@dataclass(frozen=True, slots=True, repr=False)
class FaceImage:
    """The portrait from a facial record; ``image`` is undecoded, untrusted bytes."""

    image: bytes
    kind: ImageKind
    width: int
    height: int

    def __repr__(self) -> str:
        return f"FaceImage(kind={self.kind}, {self.width}x{self.height}, bytes={len(self.image)})"


def encode_face_record(face: FaceImage) -> bytes:
    """One-face record: header, facial information, image information, image."""
    kind_code = {v: k for k, v in _IMAGE_KINDS.items()}[face.kind]
    image_info = _IMAGE_INFO.pack(
        _FULL_FRONTAL, kind_code, face.width, face.height, _SRGB, _STATIC_PHOTO_SCANNER, 0, 0
    )
    block_length = _FACE_INFO.size + len(image_info) + len(face.image)
    # No feature points, gender/eyes/hair unspecified, neutral expression, pose 0.
    face_info = _FACE_INFO.pack(block_length, 0, 0, 0, 0, b"\0\0\0", 0, b"\0\0\0", b"\0\0\0")
    total = _HEADER.size + block_length
    return _HEADER.pack(FORMAT_ID, VERSION, total, 1) + face_info + image_info + face.image


def decode_face_record(data: bytes) -> FaceImage:
    """The first face of a record; malformed records raise ``ChipFormatError``."""
    if len(data) < _HEADER.size + _FACE_INFO.size + _IMAGE_INFO.size:
        raise ChipFormatError("facial record shorter than its fixed headers")
    format_id, version, total, faces = _HEADER.unpack_from(data)
    if format_id != FORMAT_ID or version != VERSION:
        raise ChipFormatError("not an ISO/IEC 19794-5:2005 facial record")
    if total != len(data):
        raise ChipFormatError("facial record length does not match its data")
    if faces < 1:
        raise ChipFormatError("facial record holds no face")
    offset = _HEADER.size
    block_length, points = _FACE_INFO.unpack_from(data, offset)[:2]
    image_offset = offset + _FACE_INFO.size + points * _FEATURE_POINT_BYTES
    block_end = offset + block_length
    if block_end > len(data) or image_offset + _IMAGE_INFO.size > block_end:
        raise ChipFormatError("facial information block runs past the record")
    _, kind_code, width, height = _IMAGE_INFO.unpack_from(data, image_offset)[:4]
    if kind_code not in _IMAGE_KINDS:
        raise ChipFormatError(f"facial image data type {kind_code} is not JPEG or JPEG 2000")
    image = data[image_offset + _IMAGE_INFO.size : block_end]
    if not image:
        raise ChipFormatError("facial record has an empty image")
    return FaceImage(image=image, kind=_IMAGE_KINDS[kind_code], width=width, height=height)

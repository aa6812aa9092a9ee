"""EF.DG2: the encoded face (ICAO 9303-10 biometric information template).

Nesting: ``75`` { ``7F61`` group { ``02`` count, ``7F60`` template {
``A1`` biometric header, ``5F2E`` ISO/IEC 19794-5 record } } }. The header
says "face, SC37 format 0x0008", which is checked on read.
"""

from __future__ import annotations

from openabc.epassport.errors import ChipFormatError
from openabc.epassport.face_record import FaceImage, decode_face_record, encode_face_record
from openabc.epassport.tlv import child, encode_tlv, expect_tlv, read_children

DG2_TAG = 0x75
GROUP_TAG = 0x7F61
COUNT_TAG = 0x02
TEMPLATE_TAG = 0x7F60
HEADER_TAG = 0xA1
DATA_TAG = 0x5F2E
MAX_DG2_BYTES = 2 * 1024 * 1024
_ICAO_HEADER_VERSION = b"\x01\x01"
_TYPE_FACE = b"\x02"
_OWNER_SC37 = b"\x01\x01"
_FORMAT_FACE = b"\x00\x08"


def encode_dg2(face: FaceImage) -> bytes:
    """DG2 holding one facial record."""
    header = (
        encode_tlv(0x80, _ICAO_HEADER_VERSION)
        + encode_tlv(0x81, _TYPE_FACE)
        + encode_tlv(0x87, _OWNER_SC37)
        + encode_tlv(0x88, _FORMAT_FACE)
    )
    template = encode_tlv(HEADER_TAG, header) + encode_tlv(DATA_TAG, encode_face_record(face))
    group = encode_tlv(COUNT_TAG, b"\x01") + encode_tlv(TEMPLATE_TAG, template)
    return encode_tlv(DG2_TAG, encode_tlv(GROUP_TAG, group))


def decode_dg2(data: bytes) -> FaceImage:
    """The first face in DG2; anything malformed raises ``ChipFormatError``."""
    group = child(read_children(expect_tlv(data, DG2_TAG, limit=MAX_DG2_BYTES)), GROUP_TAG, "DG2")
    entries = read_children(group)
    count = child(entries, COUNT_TAG, "DG2 group")
    templates = [value for tag, value in entries if tag == TEMPLATE_TAG]
    if len(count) != 1 or count[0] != len(templates) or not templates:
        raise ChipFormatError("DG2 instance count does not match its templates")
    parts = read_children(templates[0])
    _check_header(read_children(child(parts, HEADER_TAG, "DG2 template")))
    return decode_face_record(child(parts, DATA_TAG, "DG2 template"))


def _check_header(fields: list[tuple[int, bytes]]) -> None:
    found = dict(fields)
    if found.get(0x81, _TYPE_FACE) != _TYPE_FACE:
        raise ChipFormatError("DG2 biometric type is not face")
    if found.get(0x87) != _OWNER_SC37 or found.get(0x88) != _FORMAT_FACE:
        raise ChipFormatError("DG2 data block is not an ISO/IEC 19794-5 face record")

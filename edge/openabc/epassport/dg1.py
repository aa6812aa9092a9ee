"""EF.DG1: the MRZ as the chip stores it (ICAO 9303-10, tag 0x61 / 0x5F1F).

The chip holds the MRZ lines concatenated without separators; the length
tells the layout (TD1 3x30, TD2 2x36, TD3 2x44).
"""

from __future__ import annotations

from openabc.epassport.errors import ChipFormatError
from openabc.epassport.tlv import child, encode_tlv, expect_tlv, read_children
from openabc.mrz.checksum import MRZ_ALPHABET

DG1_TAG = 0x61
MRZ_TAG = 0x5F1F
MAX_DG1_BYTES = 256
_LINE_WIDTHS = {90: 30, 72: 36, 88: 44}


def normalise_mrz(text: str) -> str:
    """The MRZ without line breaks or surrounding blanks, for comparison and storage."""
    return "".join(text.split())


def encode_dg1(mrz_text: str) -> bytes:
    """DG1 for printed MRZ lines (separated by newlines or not)."""
    mrz = normalise_mrz(mrz_text)
    if len(mrz) not in _LINE_WIDTHS or not set(mrz) <= MRZ_ALPHABET:
        raise ValueError("not a TD1, TD2 or TD3 MRZ")
    return encode_tlv(DG1_TAG, encode_tlv(MRZ_TAG, mrz.encode("ascii")))


def decode_dg1(data: bytes) -> str:
    """The MRZ lines joined by newlines, as ``parse_mrz`` and the reader deliver them."""
    children = read_children(expect_tlv(data, DG1_TAG, limit=MAX_DG1_BYTES))
    raw = child(children, MRZ_TAG, "DG1")
    if len(raw) not in _LINE_WIDTHS:
        raise ChipFormatError(f"DG1 MRZ has {len(raw)} characters, not 72, 88 or 90")
    try:
        mrz = raw.decode("ascii")
    except UnicodeDecodeError as exc:
        raise ChipFormatError("DG1 MRZ is not ASCII") from exc
    if not set(mrz) <= MRZ_ALPHABET:
        raise ChipFormatError("DG1 MRZ has characters outside the MRZ alphabet")
    width = _LINE_WIDTHS[len(mrz)]
    return "\n".join(mrz[i : i + width] for i in range(0, len(mrz), width))

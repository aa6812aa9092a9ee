"""BER-TLV as used by the ICAO 9303 LDS (ISO/IEC 7816-4 tags, definite lengths).

Decoding is strict: tags of at most three bytes, definite lengths of at most
three length bytes, no trailing data, and a caller-given size limit, so that
hostile chip bytes fail with ``ChipFormatError`` instead of anything else.
"""

from __future__ import annotations

from openabc.epassport.errors import ChipFormatError

MAX_TLV_BYTES = 4 * 1024 * 1024


def encode_tag(tag: int) -> bytes:
    """Big-endian tag bytes (``0x5F1F`` -> ``5F 1F``)."""
    if not 0 < tag <= 0xFFFFFF:
        raise ValueError(f"tag {tag:#x} out of range")
    return tag.to_bytes((tag.bit_length() + 7) // 8, "big")


def encode_length(length: int) -> bytes:
    """Short form below 128, else ``0x81``..``0x83`` long form."""
    if length < 0x80:
        return bytes([length])
    size = (length.bit_length() + 7) // 8
    if size > 3:
        raise ValueError("value too long for an LDS TLV")
    return bytes([0x80 | size]) + length.to_bytes(size, "big")


def encode_tlv(tag: int, value: bytes) -> bytes:
    """One TLV object."""
    return encode_tag(tag) + encode_length(len(value)) + value


def read_tlv(data: bytes, offset: int = 0) -> tuple[int, bytes, int]:
    """Decode the TLV at ``offset``; return tag, value and the offset after it."""
    if offset >= len(data):
        raise ChipFormatError("TLV truncated: no tag")
    first = data[offset]
    tag, pos = first, offset + 1
    if first & 0x1F == 0x1F:
        while True:
            if pos >= len(data):
                raise ChipFormatError("TLV truncated in a multi-byte tag")
            byte = data[pos]
            tag = (tag << 8) | byte
            pos += 1
            if not byte & 0x80:
                break
            if pos - offset >= 3:
                raise ChipFormatError("TLV tag longer than three bytes")
    if pos >= len(data):
        raise ChipFormatError("TLV truncated: no length")
    length_byte = data[pos]
    pos += 1
    if length_byte == 0x80:
        raise ChipFormatError("indefinite TLV length is not allowed in the LDS")
    if length_byte > 0x80:
        size = length_byte & 0x7F
        if size > 3 or pos + size > len(data):
            raise ChipFormatError("bad long-form TLV length")
        length = int.from_bytes(data[pos : pos + size], "big")
        pos += size
    else:
        length = length_byte
    if length > MAX_TLV_BYTES or pos + length > len(data):
        raise ChipFormatError("TLV length runs past the end of the data")
    return tag, data[pos : pos + length], pos + length


def expect_tlv(data: bytes, tag: int, *, limit: int = MAX_TLV_BYTES) -> bytes:
    """The value of a TLV that must be exactly ``data`` and carry ``tag``."""
    if len(data) > limit:
        raise ChipFormatError(f"object larger than {limit} bytes")
    found, value, end = read_tlv(data)
    if found != tag:
        raise ChipFormatError(f"expected tag {tag:#x}, found {found:#x}")
    if end != len(data):
        raise ChipFormatError(f"{len(data) - end} trailing bytes after tag {tag:#x}")
    return value


def read_children(value: bytes) -> list[tuple[int, bytes]]:
    """All TLVs inside a constructed value, in order."""
    children: list[tuple[int, bytes]] = []
    offset = 0
    while offset < len(value):
        tag, child, offset = read_tlv(value, offset)
        children.append((tag, child))
    return children


def child(children: list[tuple[int, bytes]], tag: int, what: str) -> bytes:
    """The single child with ``tag``; missing or repeated is a format error."""
    values = [value for found, value in children if found == tag]
    if len(values) != 1:
        raise ChipFormatError(f"{what}: expected one tag {tag:#x}, found {len(values)}")
    return values[0]

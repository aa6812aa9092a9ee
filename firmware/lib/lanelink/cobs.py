"""Consistent Overhead Byte Stuffing (COBS), 0x00 is the frame delimiter.

Encoded size is at most ``n + n // 254 + 1`` bytes; the delimiter is not
part of the encoded block (the frame layer appends it). Both directions
work on caller-owned buffers so the firmware allocates nothing per frame.
"""


def max_encoded_len(n: int) -> int:
    return n + n // 254 + 1


def encode_into(src: bytes | bytearray | memoryview, n: int,
                dst: bytearray | memoryview) -> int:
    """Encode ``src[:n]`` into ``dst``; return the encoded length."""
    code_i = 0
    o = 1
    code = 1
    for i in range(n):
        b = src[i]
        if b == 0:
            dst[code_i] = code
            code_i = o
            o += 1
            code = 1
        else:
            dst[o] = b
            o += 1
            code += 1
            if code == 0xFF:
                dst[code_i] = code
                code_i = o
                o += 1
                code = 1
    dst[code_i] = code
    return o


def decode_into(src: bytes | bytearray | memoryview, n: int,
                dst: bytearray | memoryview) -> int:
    """Decode ``src[:n]`` (no delimiter) into ``dst``.

    Return the decoded length, or -1 when the block is malformed (a zero
    byte inside, a code running past the end, or ``dst`` too small).
    ``dst`` may be the same buffer as ``src`` (decoding never overtakes).
    """
    i = 0
    o = 0
    cap = len(dst)
    while i < n:
        code = src[i]
        if code == 0:
            return -1
        i += 1
        end = i + code - 1
        if end > n or o + (end - i) > cap:
            return -1
        while i < end:
            b = src[i]
            if b == 0:
                return -1
            dst[o] = b
            o += 1
            i += 1
        if code != 0xFF and i < n:
            if o >= cap:
                return -1
            dst[o] = 0
            o += 1
    return o


def encode(data: bytes | bytearray | memoryview) -> bytes:
    """Allocating convenience wrapper (host side and tests)."""
    out = bytearray(max_encoded_len(len(data)))
    return bytes(out[:encode_into(data, len(data), out)])


def decode(block: bytes | bytearray | memoryview) -> bytes:
    """Allocating convenience wrapper; raises ValueError on a malformed block."""
    out = bytearray(len(block))
    n = decode_into(block, len(block), out)
    if n < 0:
        raise ValueError("bad COBS block")
    return bytes(out[:n])

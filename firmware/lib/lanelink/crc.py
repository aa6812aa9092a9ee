"""CRC-16/CCITT-FALSE for lanelink frames.

poly 0x1021, init 0xFFFF, no reflection, xorout 0x0000; check("123456789") == 0x29B1.
The 256-entry table is built once at import (512 bytes of RAM).
"""

try:
    from micropython import const  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # CPython

    def const(x: int) -> int:  # type: ignore[no-redef, misc, unused-ignore]
        return x


from array import array

_POLY = const(0x1021)
CRC_INIT = const(0xFFFF)
CHECK_VALUE = const(0x29B1)


def _build_table() -> array:  # type: ignore[type-arg, unused-ignore]
    t = array("H", bytes(512))
    for i in range(256):
        c = i << 8
        for _ in range(8):
            c = ((c << 1) ^ _POLY) if (c & 0x8000) else (c << 1)
        t[i] = c & 0xFFFF
    return t


_TABLE = _build_table()


def crc16(buf: bytes | bytearray | memoryview, n: int = -1, crc: int = CRC_INIT) -> int:
    """CRC over the first ``n`` bytes of ``buf`` (all of it when n < 0)."""
    t = _TABLE
    if n < 0:
        n = len(buf)
    for i in range(n):
        crc = ((crc << 8) & 0xFF00) ^ t[((crc >> 8) ^ buf[i]) & 0xFF]
    return crc

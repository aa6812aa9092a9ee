"""lanelink frame layer: header + payload + CRC, COBS-stuffed, 0x00-delimited.

Raw frame (before stuffing), all multi-byte fields as noted::

     0       1       2       3       4 ... 4+N-1      4+N     5+N
  +-------+-------+-------+-------+----------------+-------+-------+
  |  VER  | TYPE  |  SEQ (u16 LE) |  PAYLOAD (N)   | CRC16 (u16 BE)|
  +-------+-------+-------+-------+----------------+-------+-------+
  VER      protocol version, currently 0x01
  TYPE     message type (see messages.py)
  SEQ      sender's sequence number; ACK/NAK echo the SEQ they answer
  PAYLOAD  0..32 bytes, layout per TYPE (see messages.py)
  CRC16    CRC-16/CCITT-FALSE over VER..PAYLOAD (bytes 0..4+N-1)

On the wire::

  +------------------------------------+------+
  |  COBS(raw frame)  (no 0x00 inside) | 0x00 |
  +------------------------------------+------+

Max raw frame 38 bytes, max stuffed frame 39 + 1 delimiter = 40 bytes.
Receivers drop frames that fail COBS, length, version or CRC checks silently
(counted); the sender retransmits after its ACK timeout.
"""

try:
    from micropython import const  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # CPython

    def const(x: int) -> int:  # type: ignore[no-redef, misc, unused-ignore]
        return x


from lanelink.cobs import decode_into, encode_into, max_encoded_len
from lanelink.crc import crc16

VERSION = const(1)
HEADER_LEN = const(4)
CRC_LEN = const(2)
MAX_PAYLOAD = const(32)
MAX_RAW = const(38)  # HEADER_LEN + MAX_PAYLOAD + CRC_LEN
MAX_WIRE = const(40)  # max_encoded_len(MAX_RAW) + 1 delimiter


class FrameWriter:
    """Builds one wire frame at a time into preallocated buffers."""

    def __init__(self) -> None:
        self._raw = bytearray(MAX_RAW)
        self._wire = bytearray(MAX_WIRE)
        self.crc = 0  # CRC of the last built frame

    def build(self, mtype: int, seq: int, payload: bytes | bytearray | memoryview = b"",
              plen: int = -1) -> memoryview:
        """Return a view of the stuffed frame incl. delimiter (valid until next build)."""
        if plen < 0:
            plen = len(payload)
        if plen > MAX_PAYLOAD:
            raise ValueError("payload too long")
        r = self._raw
        r[0] = VERSION
        r[1] = mtype
        r[2] = seq & 0xFF
        r[3] = (seq >> 8) & 0xFF
        for i in range(plen):
            r[HEADER_LEN + i] = payload[i]
        n = HEADER_LEN + plen
        c = crc16(r, n)
        self.crc = c
        r[n] = c >> 8
        r[n + 1] = c & 0xFF
        w = self._wire
        m = encode_into(r, n + CRC_LEN, w)
        w[m] = 0
        return memoryview(w)[:m + 1]


class FrameReader:
    """Byte-at-a-time stream decoder with fixed buffers.

    ``push(b)`` returns True when a valid frame completed; its fields are then
    in ``mtype``, ``seq``, ``crc`` and ``payload()`` until the next push.
    """

    def __init__(self) -> None:
        self._buf = bytearray(max_encoded_len(MAX_RAW))
        self._raw = bytearray(MAX_RAW)
        self._n = 0
        self._overflow = False
        self.mtype = 0
        self.seq = 0
        self.crc = 0
        self.plen = 0
        self.frames = 0
        self.errors = 0  # COBS/length/version/CRC failures and overflows

    def reset(self) -> None:
        self._n = 0
        self._overflow = False

    def push(self, b: int) -> bool:
        if b != 0:
            if self._n >= len(self._buf):
                self._overflow = True
            else:
                self._buf[self._n] = b
                self._n += 1
            return False
        n = self._n
        self._n = 0
        if self._overflow:
            self._overflow = False
            self.errors += 1
            return False
        if n == 0:
            return False  # idle / resync delimiter
        r = self._raw
        m = decode_into(self._buf, n, r)
        if m < HEADER_LEN + CRC_LEN or r[0] != VERSION:
            self.errors += 1
            return False
        c = crc16(r, m - CRC_LEN)
        if c != ((r[m - 2] << 8) | r[m - 1]):
            self.errors += 1
            return False
        self.mtype = r[1]
        self.seq = r[2] | (r[3] << 8)
        self.crc = c
        self.plen = m - HEADER_LEN - CRC_LEN
        self.frames += 1
        return True

    def payload(self) -> memoryview:
        return memoryview(self._raw)[HEADER_LEN:HEADER_LEN + self.plen]


def encode_frame(mtype: int, seq: int, payload: bytes = b"") -> bytes:
    """Allocating helper: one complete wire frame (host side and tests)."""
    return bytes(FrameWriter().build(mtype, seq, payload))


def decode_frames(data: bytes) -> list[tuple[int, int, bytes]]:
    """Allocating helper: all valid (type, seq, payload) frames in ``data``."""
    rd = FrameReader()
    out: list[tuple[int, int, bytes]] = []
    for b in data:
        if rd.push(b):
            out.append((rd.mtype, rd.seq, bytes(rd.payload())))
    return out

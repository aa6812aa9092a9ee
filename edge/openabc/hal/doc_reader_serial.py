"""Driver for a serial MRZ/document reader, and the wire format it speaks.

Wire format (ASCII lines end in LF, an optional CR before it is ignored)::

    MRZ <n>\\r\\n          n = 2 or 3 (TD3/TD2 or TD1)
    <mrz line>\\r\\n       repeated n times, at most 64 characters each
    IMG <len>\\r\\n        optional; len = 0..max_image_bytes, decimal
    <len raw bytes>        the portrait JPEG
    \\r\\n                 ends the binary block
    CHIP <len>\\r\\n       optional; the chip's EF files (DG1, DG2, EF.SOD) as read
    <len raw bytes>        over the contactless interface, concatenated TLVs
    \\r\\n
    END\\r\\n

The ``MRZ`` block mirrors the ASCII output of common OCR-B swipe readers
(one line per MRZ row). The ``IMG`` and ``CHIP`` blocks are OpenABC
extensions: the printed portrait, and the chip's files for passive
authentication (``openabc.epassport``).

A frame is accepted only once ``END`` arrives: a timeout mid-frame raises
DeviceTimeout, anything malformed raises DeviceError, and in both cases the
driver discards input up to the next ``MRZ `` before reading again. Blank
lines between frames are ignored.
"""

from __future__ import annotations

import logging
import time
from types import TracebackType

import serial

from openabc.hal.base import DocumentScan
from openabc.hal.device_errors import DeviceError, DeviceTimeout

log = logging.getLogger(__name__)

MAX_LINE_BYTES = 128
MAX_MRZ_LINE_CHARS = 64
DEFAULT_MAX_IMAGE_BYTES = 2_000_000


def encode_frame(mrz_text: str, portrait_jpeg: bytes, chip: bytes = b"") -> bytes:
    """Bytes a reader sends for one document (used by emulators and tests)."""
    lines = [line.strip() for line in mrz_text.splitlines() if line.strip()]
    out = bytearray(f"MRZ {len(lines)}\r\n".encode("ascii"))
    for line in lines:
        out += line.encode("ascii") + b"\r\n"
    if portrait_jpeg:
        out += f"IMG {len(portrait_jpeg)}\r\n".encode("ascii") + portrait_jpeg + b"\r\n"
    if chip:
        out += f"CHIP {len(chip)}\r\n".encode("ascii") + chip + b"\r\n"
    out += b"END\r\n"
    return bytes(out)


def _count(line: bytes, keyword: bytes, low: int, high: int) -> int:
    """The decimal argument of ``<keyword> <n>``, bounded to [low, high]."""
    word, _, arg = line.partition(b" ")
    if word != keyword or not arg.isdigit() or len(arg) > 10:
        raise DeviceError(f"expected '{keyword.decode()} <n>' line")
    value = int(arg)
    if not low <= value <= high:
        raise DeviceError(f"{keyword.decode()} count {value} outside {low}..{high}")
    return value


class SerialDocumentReader:
    """Reads documents framed as above from ``serial.serial_for_url(port_url)``."""

    def __init__(
        self,
        port_url: str,
        *,
        baudrate: int = 115200,
        max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES,
    ) -> None:
        try:
            port = serial.serial_for_url(port_url, baudrate=baudrate, timeout=0.1)
        except (serial.SerialException, ValueError) as exc:
            raise DeviceError(f"cannot open document reader port: {exc}") from exc
        self._init(port, max_image_bytes)

    @classmethod
    def from_port(
        cls, port: serial.SerialBase, *, max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES
    ) -> SerialDocumentReader:
        """Wrap an already open port (the emulator's ``loop://``)."""
        reader = cls.__new__(cls)
        reader._init(port, max_image_bytes)
        return reader

    def _init(self, port: serial.SerialBase, max_image_bytes: int) -> None:
        self._port = port
        self._max_image_bytes = max_image_bytes
        self._buf = bytearray()
        self._resync = False

    def close(self) -> None:
        self._port.close()

    def __enter__(self) -> SerialDocumentReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def read_document(self, timeout: float) -> DocumentScan:
        """Next complete frame; DeviceTimeout if none completes within ``timeout`` s."""
        deadline = time.monotonic() + timeout
        try:
            scan = self._read_frame(deadline)
        except DeviceError:
            self._resync = True
            raise
        except serial.SerialException as exc:
            self._resync = True
            raise DeviceError(f"document reader port failed: {exc}") from exc
        log.info(
            "document frame read (%s MRZ chars, %s portrait bytes)",
            len(scan.mrz_text),
            len(scan.portrait_jpeg),
        )
        return scan

    def _read_frame(self, deadline: float) -> DocumentScan:
        header = self._next_header(deadline)
        count = _count(header, b"MRZ", 2, 3)
        lines = [self._mrz_line(deadline) for _ in range(count)]
        blocks = {b"IMG": b"", b"CHIP": b""}
        line = self._read_line(deadline)
        for keyword in (b"IMG", b"CHIP"):
            if line.startswith(keyword + b" "):
                blocks[keyword] = self._binary_block(line, keyword, deadline)
                line = self._read_line(deadline)
        if line != b"END":
            raise DeviceError("expected END line")
        return DocumentScan(
            mrz_text="\n".join(lines), portrait_jpeg=blocks[b"IMG"], chip=blocks[b"CHIP"]
        )

    def _binary_block(self, header: bytes, keyword: bytes, deadline: float) -> bytes:
        """``<keyword> <len>`` then exactly len bytes and an empty line."""
        size = _count(header, keyword, 0, self._max_image_bytes)
        data = self._read_exact(size, deadline)
        if self._read_line(deadline) != b"":
            raise DeviceError(f"{keyword.decode()} block longer than announced")
        return data

    def _next_header(self, deadline: float) -> bytes:
        """First non-blank line, skipping leftovers of a broken frame when resyncing."""
        while True:
            if self._resync:
                self._discard_to_header(deadline)
            line = self._read_line(deadline)
            if line:
                if not line.startswith(b"MRZ "):
                    raise DeviceError("unexpected data where a frame should start")
                self._resync = False
                return line

    def _discard_to_header(self, deadline: float) -> None:
        """Drop bytes until the next ``MRZ `` (bounded by the deadline).

        The header is searched anywhere, not only at a line start, so a frame
        glued to line noise without a newline is still found. A false match
        inside leftover binary data cannot produce a document: the rest of the
        frame structure would have to be valid too.
        """
        while True:
            start = self._buf.find(b"MRZ ")
            if start >= 0:
                del self._buf[:start]
                break
            del self._buf[: max(0, len(self._buf) - 3)]  # keep a possible "MRZ" prefix
            self._fill(deadline)
        self._resync = False

    def _mrz_line(self, deadline: float) -> str:
        line = self._read_line(deadline)
        if not 0 < len(line) <= MAX_MRZ_LINE_CHARS or not all(0x20 < b < 0x7F for b in line):
            raise DeviceError("MRZ line empty, too long or not printable ASCII")
        return line.decode("ascii")

    def _read_line(self, deadline: float) -> bytes:
        while True:
            newline = self._buf.find(b"\n", 0, MAX_LINE_BYTES + 1)
            if newline >= 0:
                line = bytes(self._buf[:newline]).removesuffix(b"\r")
                del self._buf[: newline + 1]
                return line
            if len(self._buf) > MAX_LINE_BYTES:
                raise DeviceError(f"line longer than {MAX_LINE_BYTES} bytes")
            self._fill(deadline)

    def _read_exact(self, size: int, deadline: float) -> bytes:
        while len(self._buf) < size:
            self._fill(deadline)
        data = bytes(self._buf[:size])
        del self._buf[:size]
        return data

    def _fill(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise DeviceTimeout("no complete document frame before the deadline")
        self._port.timeout = remaining
        first = self._port.read(1)
        if not first:
            raise DeviceTimeout("no complete document frame before the deadline")
        self._buf += first
        self._buf += self._port.read_all() or b""

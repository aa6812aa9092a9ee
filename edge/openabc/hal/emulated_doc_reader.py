"""A document reader for the demo and tests that speaks the real wire format.

Presented documents are encoded with ``encode_frame`` and streamed into a
pyserial ``loop://`` port by a writer thread while ``SerialDocumentReader``
reads them back, so every emulated read exercises the production parser,
including its limits, timeouts and resynchronisation.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from types import TracebackType

import serial

from openabc.hal.base import DocumentScan
from openabc.hal.doc_reader_serial import (
    DEFAULT_MAX_IMAGE_BYTES,
    SerialDocumentReader,
    encode_frame,
)

log = logging.getLogger(__name__)

_WRITE_TIMEOUT = 1.0
_LOOP_BAUD = 1_000_000_000


class EmulatedDocumentReader:
    """``DocumentReader`` fed by ``present()`` instead of a swipe reader."""

    def __init__(self, *, max_image_bytes: int = DEFAULT_MAX_IMAGE_BYTES) -> None:
        # A huge baud rate: loop:// refuses writes "slower" than write_timeout.
        self._port = serial.serial_for_url(
            "loop://", baudrate=_LOOP_BAUD, timeout=0.1, write_timeout=_WRITE_TIMEOUT
        )
        self._reader = SerialDocumentReader.from_port(self._port, max_image_bytes=max_image_bytes)
        self._pending: deque[bytes] = deque()

    def present(self, mrz_text: str, portrait_jpeg: bytes, chip: bytes = b"") -> None:
        """Queue a document as if the traveller put it on the reader."""
        self._pending.append(encode_frame(mrz_text, portrait_jpeg, chip))

    def present_raw(self, data: bytes) -> None:
        """Queue arbitrary bytes (garbage, cut frames) for error-path tests."""
        self._pending.append(bytes(data))

    def read_document(self, timeout: float) -> DocumentScan:
        """Stream the next queued bytes into the loop port and parse them back."""
        writer: threading.Thread | None = None
        if self._pending:
            writer = threading.Thread(
                target=self._write, args=(self._pending.popleft(),), daemon=True
            )
            writer.start()
        try:
            return self._reader.read_document(timeout)
        finally:
            if writer is not None:
                writer.join(timeout=_WRITE_TIMEOUT + 1.0)

    def _write(self, data: bytes) -> None:
        try:
            self._port.write(data)
        except (serial.SerialException, queue.Full):
            # The parser gave up mid-frame; its resync drops what did arrive.
            log.debug("emulated reader dropped %s unread bytes", len(data))

    def close(self) -> None:
        self._reader.close()

    def __enter__(self) -> EmulatedDocumentReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

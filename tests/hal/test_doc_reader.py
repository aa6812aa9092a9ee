"""SerialDocumentReader over pyserial loop://, and the emulator built on it."""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest
import serial
from PIL import Image

from openabc.hal.base import DocumentReader, DocumentScan
from openabc.hal.device_errors import DeviceError, DeviceTimeout
from openabc.hal.doc_reader_serial import SerialDocumentReader, encode_frame
from openabc.hal.emulated_doc_reader import EmulatedDocumentReader
from openabc.hal.images import decode_image

MRZ = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"


def portrait(width: int = 120, height: int = 160) -> bytes:
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


@pytest.fixture
def loop() -> Iterator[serial.SerialBase]:
    port = serial.serial_for_url("loop://", timeout=0.1)
    yield port
    port.close()


def test_wire_format_bytes() -> None:
    assert encode_frame("AB\nCD\n", b"\xff\xd8xy") == (
        b"MRZ 2\r\nAB\r\nCD\r\nIMG 4\r\n\xff\xd8xy\r\nEND\r\n"
    )
    assert encode_frame("AB\nCD", b"") == b"MRZ 2\r\nAB\r\nCD\r\nEND\r\n"


def test_reads_a_frame_with_portrait(loop: serial.SerialBase) -> None:
    jpeg = portrait(40, 30)
    loop.write(encode_frame(MRZ, jpeg))
    scan = SerialDocumentReader.from_port(loop).read_document(timeout=2.0)
    assert scan == DocumentScan(mrz_text=MRZ, portrait_jpeg=jpeg)


def test_frame_without_portrait_and_bare_lf(loop: serial.SerialBase) -> None:
    loop.write(b"\n\nMRZ 3\nI<UTOD231458907<<<<<<<<<<<<<<<\nA\nB\nEND\n")
    scan = SerialDocumentReader.from_port(loop).read_document(timeout=2.0)
    assert scan.mrz_text.splitlines() == ["I<UTOD231458907<<<<<<<<<<<<<<<", "A", "B"]
    assert scan.portrait_jpeg == b""


def test_repr_hides_personal_data() -> None:
    text = repr(DocumentScan(mrz_text=MRZ, portrait_jpeg=b"123"))
    assert "ERIKSSON" not in text and "L898902C3" not in text


def test_timeout_with_nothing_on_the_wire(loop: serial.SerialBase) -> None:
    reader = SerialDocumentReader.from_port(loop)
    start = time.monotonic()
    with pytest.raises(DeviceTimeout):
        reader.read_document(timeout=0.2)
    assert 0.15 < time.monotonic() - start < 1.0


def test_partial_frame_times_out_and_is_never_accepted(loop: serial.SerialBase) -> None:
    frame = encode_frame(MRZ, portrait(40, 30))
    reader = SerialDocumentReader.from_port(loop)
    loop.write(frame[:-5])  # everything except "END\r\n"
    with pytest.raises(DeviceTimeout):
        reader.read_document(timeout=0.2)
    loop.write(frame[-5:])  # the tail arrives late: still not a document
    with pytest.raises(DeviceTimeout):
        reader.read_document(timeout=0.2)
    loop.write(frame)
    assert reader.read_document(timeout=2.0).mrz_text == MRZ


@pytest.mark.parametrize(
    "garbage",
    [
        b"HELLO\r\n",
        b"MRZ 7\r\nA\r\nEND\r\n",
        b"MRZ x\r\n",
        b"MRZ 2\r\nAB\r\nCD\r\nIMG 99999999999\r\n",
        b"MRZ 2\r\nAB\r\nCD\r\nIMG 2\r\nabcd\r\nEND\r\n",
        b"MRZ 2\r\nAB\r\nCD\r\nFOO\r\n",
        b"MRZ 2\r\n" + b"A" * 65 + b"\r\nCD\r\nEND\r\n",
        b"MRZ 2\r\nA B\r\nCD\r\nEND\r\n",
        b"MRZ 2\r\n\xc3\xa9\r\nCD\r\nEND\r\n",
        b"\x00" * 300,
    ],
)
def test_garbage_raises_device_error_then_resyncs(loop: serial.SerialBase, garbage: bytes) -> None:
    reader = SerialDocumentReader.from_port(loop)
    loop.write(garbage)
    loop.write(encode_frame(MRZ, b"jpeg"))
    with pytest.raises(DeviceError) as info:
        reader.read_document(timeout=1.0)
    assert not isinstance(info.value, DeviceTimeout)
    assert reader.read_document(timeout=2.0) == DocumentScan(mrz_text=MRZ, portrait_jpeg=b"jpeg")


def test_image_size_limit(loop: serial.SerialBase) -> None:
    reader = SerialDocumentReader.from_port(loop, max_image_bytes=100)
    loop.write(encode_frame(MRZ, b"x" * 101))
    with pytest.raises(DeviceError, match="IMG"):
        reader.read_document(timeout=1.0)


def test_frame_arriving_in_slow_pieces(loop: serial.SerialBase) -> None:
    frame = encode_frame(MRZ, portrait(40, 30))

    def trickle() -> None:
        for start in range(0, len(frame), 97):
            loop.write(frame[start : start + 97])
            time.sleep(0.002)

    writer = threading.Thread(target=trickle)
    writer.start()
    scan = SerialDocumentReader.from_port(loop).read_document(timeout=5.0)
    writer.join()
    assert scan.mrz_text == MRZ


def test_open_failure_is_device_error() -> None:
    with pytest.raises(DeviceError):
        SerialDocumentReader("nonexistent-scheme://nowhere")


def test_open_by_url_and_close() -> None:
    with SerialDocumentReader("loop://") as reader, pytest.raises(DeviceTimeout):
        reader.read_document(timeout=0.05)


def test_emulator_round_trips_a_real_size_portrait() -> None:
    jpeg = portrait()  # larger than the 4 KiB loop:// buffer
    assert len(jpeg) > 8192
    reader: DocumentReader
    with EmulatedDocumentReader() as reader:
        reader.present(MRZ, jpeg)
        scan = reader.read_document(timeout=10.0)
    assert scan.mrz_text == MRZ
    assert scan.portrait_jpeg == jpeg
    assert decode_image(scan.portrait_jpeg).shape == (160, 120, 3)


def test_emulator_queues_documents_in_order_and_times_out_when_empty() -> None:
    with EmulatedDocumentReader() as reader:
        reader.present("AAA\nBBB", b"")
        reader.present("CCC\nDDD", b"p")
        assert reader.read_document(timeout=2.0).mrz_text == "AAA\nBBB"
        assert reader.read_document(timeout=2.0) == DocumentScan("CCC\nDDD", b"p")
        with pytest.raises(DeviceTimeout):
            reader.read_document(timeout=0.1)


def test_emulator_garbage_goes_through_the_real_parser() -> None:
    with EmulatedDocumentReader(max_image_bytes=1000) as reader:
        reader.present_raw(b"NOISE\r\n")
        reader.present(MRZ, b"x" * 5000)  # over this reader's limit
        reader.present(MRZ, b"ok")
        with pytest.raises(DeviceError):
            reader.read_document(timeout=1.0)
        with pytest.raises(DeviceError):
            reader.read_document(timeout=1.0)
        assert reader.read_document(timeout=3.0).portrait_jpeg == b"ok"


def test_chip_block_is_delivered_with_the_scan() -> None:
    """The chip's files travel in their own block, after the portrait."""
    chip = bytes(range(256)) * 300  # binary, with CR/LF and NUL bytes inside
    with EmulatedDocumentReader() as reader:
        reader.present(MRZ, b"\xff\xd8portrait\xff\xd9", chip)
        scan = reader.read_document(5.0)
    assert scan.chip == chip
    assert scan.portrait_jpeg == b"\xff\xd8portrait\xff\xd9"
    assert "chip_bytes=76800" in repr(scan)


def test_chip_block_longer_than_announced_is_refused() -> None:
    frame = encode_frame(MRZ, b"", b"abcd").replace(b"CHIP 4", b"CHIP 3")
    with EmulatedDocumentReader() as reader:
        reader.present_raw(frame)
        with pytest.raises(DeviceError, match="CHIP block longer than announced"):
            reader.read_document(2.0)

import struct

import pytest

from openabc.fingerprint.emulated_scanner import EmulatedFingerprintScanner
from openabc.fingerprint.extractor import FingerTemplate, MinutiaeExtractor
from openabc.fingerprint.iso19794_2 import (
    FingerView,
    Minutia,
    MinutiaeRecord,
    MinutiaType,
    RecordError,
    decode_record,
    encode_record,
)
from openabc.fingerprint.types import Finger

_RECORD = MinutiaeRecord(
    width=320,
    height=400,
    views=(
        FingerView(
            Finger.RIGHT_INDEX,
            (
                Minutia(MinutiaType.ENDING, 10, 20, 0, 80),
                Minutia(MinutiaType.BIFURCATION, 319, 399, 255, 100),
                Minutia(MinutiaType.OTHER, 0, 0, 128, 0),
            ),
            quality=67,
            view_number=1,
        ),
    ),
)


def test_header_and_minutia_layout() -> None:
    data = encode_record(_RECORD)
    assert data[:8] == b"FMR\x00 20\x00"
    assert struct.unpack(">I", data[8:12])[0] == len(data) == 24 + 4 + 3 * 6 + 2
    assert struct.unpack(">HHHHH", data[12:22]) == (0, 320, 400, 197, 197)
    assert data[22:24] == b"\x01\x00"  # one finger view, reserved byte
    assert data[24:28] == bytes([2, 0x10, 67, 3])  # position, view/impression, quality, count
    assert data[28:34] == bytes([0x40, 10, 0, 20, 0, 80])  # ending (01) at x=10, y=20
    assert data[34:36] == struct.pack(">H", 0x8000 | 319)  # bifurcation (10)
    assert data[-2:] == b"\x00\x00"  # no extended data


def test_round_trip_is_exact() -> None:
    data = encode_record(_RECORD)
    assert decode_record(data) == _RECORD
    assert encode_record(decode_record(data)) == data


def test_extracted_template_round_trips(extractor: MinutiaeExtractor) -> None:
    image = EmulatedFingerprintScanner(3).capture_flat(Finger.LEFT_INDEX, 5.0)
    template = extractor.extract(image, quality=70)
    data = template.to_bytes()
    again = FingerTemplate.from_bytes(data)
    assert again == template and again.to_bytes() == data
    assert again.view.finger is Finger.LEFT_INDEX and again.view.quality == 70
    assert 10 <= len(again.view.minutiae) <= 120


def _patched(offset: int, value: bytes) -> bytes:
    data = bytearray(encode_record(_RECORD))
    data[offset : offset + len(value)] = value
    return bytes(data)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        _patched(0, b"FIR\x00"),
        _patched(4, b"030\x00"),
        _patched(8, struct.pack(">I", 999)),
        encode_record(_RECORD)[:-3],
        encode_record(_RECORD) + b"\x00",
        _patched(23, b"\x01"),  # reserved header byte
        _patched(24, b"\x0b"),  # finger position 11
        _patched(25, b"\x05"),  # impression type 5
        _patched(26, b"\x65"),  # finger quality 101
        _patched(27, b"\x04"),  # claims 4 minutiae, holds 3
        _patched(28, b"\xc0"),  # minutia type 11 (reserved)
        _patched(28, struct.pack(">H", 0x4000 | 320)),  # x outside the image
        _patched(30, b"\x40"),  # reserved y bits set
        _patched(33, b"\x65"),  # minutia quality 101
        _patched(46, b"\x00\x04"),  # extended data length beyond the record
    ],
)
def test_malformed_records_are_refused(data: bytes) -> None:
    with pytest.raises(RecordError):
        decode_record(data)


def test_out_of_range_fields_are_not_encoded() -> None:
    bad = MinutiaeRecord(320, 400, (FingerView(Finger.RIGHT_INDEX, (), quality=120),))
    with pytest.raises(RecordError):
        encode_record(bad)

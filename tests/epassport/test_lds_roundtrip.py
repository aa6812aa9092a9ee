"""DG1, DG2, TLV and chip wire-form round trips, and strict rejection of bad structure."""

from __future__ import annotations

import datetime as dt
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openabc.epassport import (
    ChipData,
    ChipFormatError,
    FaceImage,
    chip_from_bytes,
    decode_dg1,
    decode_dg2,
    encode_dg1,
    encode_dg2,
)
from openabc.epassport.tlv import encode_tlv, expect_tlv, read_children, read_tlv
from openabc.mrz import compose_td3, parse_mrz

TODAY = dt.date(2026, 6, 1)
LETTERS = string.ascii_uppercase


@given(
    surname=st.text(LETTERS, min_size=1, max_size=20),
    given_names=st.text(LETTERS + " ", max_size=20),
    number=st.text(LETTERS + string.digits, min_size=1, max_size=9),
    birth=st.dates(dt.date(1930, 1, 1), TODAY),
    expiry=st.dates(TODAY, dt.date(2090, 1, 1)),
)
def test_dg1_round_trips_a_td3_mrz(
    surname: str, given_names: str, number: str, birth: dt.date, expiry: dt.date
) -> None:
    lines = compose_td3(
        issuing_state="UTO",
        surname=surname,
        given_names=given_names,
        document_number=number,
        nationality="UTO",
        birth_date=birth,
        sex="X",
        expiry_date=expiry,
    )
    mrz = "\n".join(lines)
    decoded = decode_dg1(encode_dg1(mrz))
    assert decoded == mrz
    assert parse_mrz(decoded, today=TODAY).valid


@pytest.mark.parametrize(("length", "width"), [(90, 30), (72, 36), (88, 44)])
def test_dg1_layouts(length: int, width: int) -> None:
    mrz = ("A" * width + "<" * 0)[:width]
    text = "\n".join([mrz] * (length // width))
    assert decode_dg1(encode_dg1(text)) == text


def test_dg1_is_tagged_as_icao_says() -> None:
    mrz = "P<UTO" + "<" * 39 + "0" * 44
    assert encode_dg1(mrz)[:5] == bytes([0x61, 0x5B, 0x5F, 0x1F, 0x58])


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x61",
        b"\x61\x00",
        b"\x62\x03\x5f\x1f\x00",
        encode_tlv(0x61, encode_tlv(0x5F1F, b"A" * 87)),
        encode_tlv(0x61, encode_tlv(0x5F1F, b"a" * 88)),
        encode_tlv(0x61, encode_tlv(0x5F1F, b"\xff" * 88)),
        encode_tlv(0x61, encode_tlv(0x5F1F, b"A" * 88)) + b"\x00",
        encode_tlv(0x61, encode_tlv(0x5F1F, b"A" * 88) * 2),
    ],
)
def test_dg1_rejects(data: bytes) -> None:
    with pytest.raises(ChipFormatError):
        decode_dg1(data)


@given(image=st.binary(min_size=1, max_size=3000), width=st.integers(0, 65535))
def test_dg2_round_trip(image: bytes, width: int) -> None:
    face = FaceImage(image=image, kind="jpeg2000", width=width, height=480)
    assert decode_dg2(encode_dg2(face)) == face


def test_dg2_nesting_follows_icao_9303_10() -> None:
    dg2 = encode_dg2(FaceImage(image=b"\xff\xd8jpeg", kind="jpeg", width=1, height=1))
    group = read_children(expect_tlv(dg2, 0x75))
    assert [tag for tag, _ in group] == [0x7F61]
    entries = read_children(group[0][1])
    assert [tag for tag, _ in entries] == [0x02, 0x7F60]
    template = read_children(entries[1][1])
    assert [tag for tag, _ in template] == [0xA1, 0x5F2E]
    assert template[1][1][:8] == b"FAC\x00010\x00"


def test_dg2_rejects_wrong_format_owner() -> None:
    dg2 = encode_dg2(FaceImage(image=b"x", kind="jpeg", width=1, height=1))
    bad = dg2.replace(bytes([0x88, 0x02, 0x00, 0x08]), bytes([0x88, 0x02, 0x00, 0x09]))
    with pytest.raises(ChipFormatError, match="19794-5"):
        decode_dg2(bad)


def test_tlv_long_lengths_and_limits() -> None:
    for size in (0, 127, 128, 255, 256, 70000):
        tag, value, end = read_tlv(encode_tlv(0x5F2E, b"z" * size))
        assert (tag, len(value)) == (0x5F2E, size)
    with pytest.raises(ChipFormatError, match="indefinite"):
        read_tlv(b"\x61\x80\x00\x00")
    with pytest.raises(ChipFormatError, match="three bytes"):
        read_tlv(b"\x5f\x81\x81\x01\x00")
    with pytest.raises(ChipFormatError, match="past the end"):
        read_tlv(b"\x61\x83\xff\xff\xff")
    with pytest.raises(ChipFormatError, match="larger than"):
        expect_tlv(b"\x61\x00" + b"\x00" * 300, 0x61, limit=256)


def test_chip_wire_form(good_chip: ChipData) -> None:
    assert chip_from_bytes(good_chip.to_bytes()) == good_chip
    reordered = good_chip.sod + good_chip.dg1 + good_chip.dg2
    assert chip_from_bytes(reordered) == good_chip
    for bad in (good_chip.dg1 + good_chip.dg2, good_chip.to_bytes() + good_chip.dg1):
        with pytest.raises(ChipFormatError):
            chip_from_bytes(bad)

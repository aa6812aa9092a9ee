"""Hostile chip bytes: parsers raise ChipFormatError and nothing else; PA never raises."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openabc.epassport import (
    ChipData,
    ChipFormatError,
    chip_from_bytes,
    decode_dg1,
    decode_dg2,
    parse_sod,
    verify_passive,
)
from openabc.epassport.testpki import TestPki
from openabc.epassport.tlv import encode_tlv
from tests.epassport.conftest import TODAY

PARSERS = [parse_sod, decode_dg1, decode_dg2, chip_from_bytes]
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _assert_only_format_error(parser: Callable[[bytes], object], data: bytes) -> None:
    try:
        parser(data)
    except ChipFormatError:
        pass


@st.composite
def mutated(draw: st.DrawFn, original: bytes) -> bytes:
    """Valid bytes with a few flips, a cut or an insertion: reaches deep parser paths."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        index = draw(st.integers(0, max(len(data) - 1, 0)))
        if action == "flip" and data:
            data[index] ^= 1 << draw(st.integers(0, 7))
        elif action == "cut":
            del data[index:]
        elif action == "insert":
            data[index:index] = draw(st.binary(min_size=1, max_size=4))
        elif data:
            del data[index]
    return bytes(data)


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.__name__)
@FUZZ
@given(data=st.binary(max_size=600))
def test_random_bytes(parser: Callable[[bytes], object], data: bytes) -> None:
    _assert_only_format_error(parser, data)


@pytest.mark.parametrize("tag", [0x61, 0x75, 0x77])
@FUZZ
@given(body=st.binary(max_size=600))
def test_random_bodies_behind_a_valid_tag(tag: int, body: bytes) -> None:
    data = encode_tlv(tag, body)
    for parser in PARSERS:
        _assert_only_format_error(parser, data)


@FUZZ
@given(data=st.data())
def test_mutated_valid_files(data: st.DataObject, good_chip: ChipData) -> None:
    sod = data.draw(mutated(good_chip.sod))
    dg1 = data.draw(mutated(good_chip.dg1))
    dg2 = data.draw(mutated(good_chip.dg2[:400]))
    _assert_only_format_error(parse_sod, sod)
    _assert_only_format_error(decode_dg1, dg1)
    _assert_only_format_error(decode_dg2, dg2)


@FUZZ
@given(data=st.data())
def test_passive_auth_never_raises_and_never_passes_a_mutated_sod(
    data: st.DataObject, good_chip: ChipData, pki: TestPki, printed_mrz: str
) -> None:
    sod = data.draw(mutated(good_chip.sod))
    chip = dataclasses.replace(good_chip, sod=sod)
    result = verify_passive(chip, trust=pki.trust_list(), printed_mrz=printed_mrz, today=TODAY)
    if sod != good_chip.sod:
        assert not result.ok or _same_signed_content(sod, good_chip.sod)


def _same_signed_content(mutated_sod: bytes, original: bytes) -> bool:
    """A flip in unsigned parts (e.g. an unused cert field encoding) may still verify."""
    a, b = parse_sod(mutated_sod), parse_sod(original)
    return (a.signed_attrs, a.signature, a.econtent) == (b.signed_attrs, b.signature, b.econtent)


def test_deeply_nested_asn1_is_a_format_error() -> None:
    nested = b""
    for _ in range(2000):
        nested = b"\x30" + _der_length(len(nested)) + nested
    with pytest.raises(ChipFormatError):
        parse_sod(encode_tlv(0x77, nested))


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    size = (length.bit_length() + 7) // 8
    return bytes([0x80 | size]) + length.to_bytes(size, "big")

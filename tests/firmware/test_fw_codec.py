"""lanelink codec on CPython: the shared checks plus property tests."""

from __future__ import annotations

import binascii
from collections.abc import Callable

import codec_checks
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lanelink import cobs, crc, frame

CHECKS: list[tuple[str, Callable[[], None]]] = sorted(
    (n, f) for n, f in vars(codec_checks).items() if n.startswith("test_") and callable(f)
)


@pytest.mark.parametrize(("name", "check"), CHECKS, ids=[n for n, _ in CHECKS])
def test_shared_codec_check(name: str, check: Callable[[], None]) -> None:
    check()


@settings(max_examples=60, deadline=None, database=None)
@given(st.binary(max_size=700))
def test_cobs_roundtrip_property(data: bytes) -> None:
    enc = cobs.encode(data)
    assert 0 not in enc
    assert len(enc) <= cobs.max_encoded_len(len(data))
    assert cobs.decode(enc) == data


@settings(max_examples=40, deadline=None, database=None)
@given(st.binary(max_size=64))
def test_crc_matches_reference(data: bytes) -> None:
    assert crc.crc16(data) == binascii.crc_hqx(data, 0xFFFF)


@settings(max_examples=40, deadline=None, database=None)
@given(st.integers(0, 255), st.integers(0, 0xFFFF), st.binary(max_size=frame.MAX_PAYLOAD))
def test_frame_roundtrip_property(mtype: int, seq: int, payload: bytes) -> None:
    wire = frame.encode_frame(mtype, seq, payload)
    assert wire.endswith(b"\x00") and 0 not in wire[:-1]
    assert frame.decode_frames(b"\x00\x00" + wire + wire) == [(mtype, seq, payload)] * 2

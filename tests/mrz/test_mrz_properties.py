"""Property tests: composed MRZs parse back; single-digit corruptions are caught."""

from __future__ import annotations

import datetime as dt
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openabc.mrz import compose_td3, parse_mrz
from openabc.mrz.compose import transliterate

TODAY = dt.date(2026, 6, 1)
ALNUM = string.ascii_uppercase + string.digits

names = st.text(alphabet=string.ascii_uppercase + " -'", min_size=1, max_size=30).filter(
    lambda s: any(c.isalpha() for c in s)
)
codes = st.text(alphabet=string.ascii_uppercase, min_size=1, max_size=3)
numbers = st.text(alphabet=ALNUM, min_size=1, max_size=9)
births = st.dates(min_value=dt.date(1927, 1, 1), max_value=TODAY)
expiries = st.dates(min_value=TODAY, max_value=dt.date(2099, 12, 31))


@st.composite
def documents(draw: st.DrawFn) -> dict[str, object]:
    return {
        "issuing_state": draw(codes),
        "surname": draw(names),
        "given_names": draw(st.one_of(st.just(""), names)),
        "document_number": draw(numbers),
        "nationality": draw(codes),
        "birth_date": draw(births),
        "sex": draw(st.sampled_from(["M", "F", "X"])),
        "expiry_date": draw(expiries),
        "optional_data": draw(st.text(alphabet=ALNUM, max_size=14)),
    }


@given(documents())
def test_compose_parse_round_trip(doc: dict[str, object]) -> None:
    line1, line2 = compose_td3(**doc)  # type: ignore[arg-type]
    assert len(line1) == len(line2) == 44
    result = parse_mrz(f"{line1}\n{line2}", today=TODAY)
    assert result.valid, result.errors
    assert result.document_number == doc["document_number"]
    assert result.issuing_state == doc["issuing_state"]
    assert result.nationality == doc["nationality"]
    assert result.birth_date == doc["birth_date"]
    assert result.expiry_date == doc["expiry_date"]
    assert result.sex == doc["sex"]
    assert result.optional_data == doc["optional_data"]
    surname = transliterate(str(doc["surname"])).replace("<", " ")
    given = transliterate(str(doc["given_names"])).replace("<", " ")
    if len(surname) + 2 + len(given) <= 39:
        assert (result.surname, result.given_names) == (surname, given)
    assert result.to_travel_document().document_number == doc["document_number"]


# Line-2 positions covered by a check digit: number+cd, birth+cd, expiry+cd,
# optional data+cd, composite.
CHECKED = [*range(0, 10), *range(13, 20), *range(21, 44)]


@given(documents(), st.sampled_from(CHECKED), st.integers(1, 9))
def test_changing_one_digit_of_a_checked_field_is_detected(
    doc: dict[str, object], position: int, delta: int
) -> None:
    line1, line2 = compose_td3(**doc)  # type: ignore[arg-type]
    char = line2[position]
    if not char.isdigit():
        return
    flipped = str((int(char) + delta) % 10)
    corrupted = line2[:position] + flipped + line2[position + 1 :]
    result = parse_mrz(f"{line1}\n{corrupted}", today=TODAY)
    assert not result.valid
    assert result.errors


def test_compose_reproduces_the_icao_td3_specimen() -> None:
    lines = compose_td3(
        issuing_state="UTO",
        surname="Eriksson",
        given_names="Anna Maria",
        document_number="L898902C3",
        nationality="UTO",
        birth_date=dt.date(1974, 8, 12),
        sex="F",
        expiry_date=dt.date(2012, 4, 15),
        optional_data="ZE184226B",
    )
    assert lines == (
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
        "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
    )


def test_compose_transliterates_and_truncates() -> None:
    line1, _ = compose_td3(
        issuing_state="D",
        surname="Müller-Lüdenscheidt",
        given_names="Jürgen Øystein O'Brien Łukasz",
        document_number="C01X00T47",
        nationality="D",
        birth_date=dt.date(1964, 8, 12),
        sex="X",
        expiry_date=dt.date(2032, 4, 15),
    )
    assert line1 == "P<D<<MUELLER<LUEDENSCHEIDT<<JUERGEN<OEYSTEIN"


def test_compose_refuses_too_long_number() -> None:
    with pytest.raises(ValueError):
        compose_td3(
            issuing_state="UTO",
            surname="X",
            given_names="",
            document_number="1234567890",
            nationality="UTO",
            birth_date=dt.date(1990, 1, 1),
            sex="M",
            expiry_date=dt.date(2030, 1, 1),
        )

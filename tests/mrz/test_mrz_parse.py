"""ICAO 9303 specimens and hand-made edge cases for the MRZ parser."""

from __future__ import annotations

import datetime as dt

import pytest

from openabc.mrz import MrzFormatError, MrzResult, check_digit, parse_mrz

BEFORE_SPECIMEN_EXPIRY = dt.date(2010, 1, 1)

TD3 = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)
TD1 = (
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
)
TD2 = (
    "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "D231458907UTO7408122F1204159<<<<<<<6",
)
# ICAO 9303 Part 11 Appendix D.2: document number longer than 9 characters.
TD1_LONG = (
    "I<UTOD23145890<7349<<<<<<<<<<<",
    "3407127M9507122UTO<<<<<<<<<<<2",
    "STEVENSON<<PETER<JOHN<<<<<<<<<",
)
TD2_LONG = (
    "I<UTOSTEVENSON<<PETER<JOHN<<<<<<<<<<",
    "D23145890<UTO3407127M95071227349<<<8",
)


def parse(lines: tuple[str, ...], today: dt.date = BEFORE_SPECIMEN_EXPIRY) -> MrzResult:
    return parse_mrz("\n".join(lines), today=today)


@pytest.mark.parametrize(
    ("field", "digit"),
    [("L898902C3", 6), ("740812", 2), ("120415", 9), ("ZE184226B<<<<<", 1), ("D23145890", 7)],
)
def test_check_digit_known_values(field: str, digit: int) -> None:
    assert check_digit(field) == digit


def test_check_digit_refuses_non_mrz_characters() -> None:
    with pytest.raises(ValueError):
        check_digit("ab")


@pytest.mark.parametrize(("lines", "fmt"), [(TD3, "TD3"), (TD1, "TD1"), (TD2, "TD2")])
def test_icao_specimens(lines: tuple[str, ...], fmt: str) -> None:
    result = parse(lines)
    assert result.valid, result.errors
    assert result.format == fmt
    assert result.document_number == ("L898902C3" if fmt == "TD3" else "D23145890")
    assert result.issuing_state == "UTO"
    assert result.nationality == "UTO"
    assert result.birth_date == dt.date(1974, 8, 12)
    assert result.expiry_date == dt.date(2012, 4, 15)
    assert result.sex == "F"
    assert result.surname == "ERIKSSON"
    assert result.given_names == "ANNA MARIA"
    assert result.document_type == ("P" if fmt == "TD3" else "I")


def test_td3_optional_data() -> None:
    assert parse(TD3).optional_data == "ZE184226B"


@pytest.mark.parametrize("lines", [TD1_LONG, TD2_LONG])
def test_long_document_number_continues_in_optional_data(lines: tuple[str, ...]) -> None:
    result = parse(lines, today=dt.date(1994, 1, 1))
    assert result.valid, result.errors
    assert result.document_number == "D23145890734"
    assert result.optional_data == ""
    assert result.sex == "M"
    assert result.birth_date == dt.date(1934, 7, 12)


def test_long_document_number_with_wrong_check_digit() -> None:
    line1 = TD1_LONG[0].replace("7349", "7348")
    result = parse((line1, *TD1_LONG[1:]), today=dt.date(1994, 1, 1))
    assert "document_number_check_digit" in result.errors
    assert "composite_check_digit" in result.errors


def test_expired_specimen_reports_document_expired() -> None:
    result = parse(TD3, today=dt.date(2026, 1, 1))
    assert result.errors == ("document_expired",)
    assert not result.valid
    with pytest.raises(ValueError, match="document_expired"):
        result.to_travel_document()


def test_expiry_day_itself_is_still_valid() -> None:
    assert parse(TD3, today=dt.date(2012, 4, 15)).valid
    assert not parse(TD3, today=dt.date(2012, 4, 16)).valid


def test_to_travel_document() -> None:
    doc = parse(TD3).to_travel_document()
    assert doc.document_number == "L898902C3"
    assert doc.document_type == "P"
    assert doc.given_names == "ANNA MARIA"
    assert doc.birth_date == dt.date(1974, 8, 12)


def test_crlf_blank_lines_lowercase_and_indentation_are_accepted() -> None:
    text = "\r\n\r\n  " + TD3[0].lower() + "  \r\n\r\n\t" + TD3[1] + "\r\n\r\n"
    assert parse_mrz(text, today=BEFORE_SPECIMEN_EXPIRY).valid


def test_single_line_concatenation_is_split() -> None:
    assert parse_mrz("".join(TD1), today=BEFORE_SPECIMEN_EXPIRY).format == "TD1"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n",
        "hello world",
        TD3[0],
        TD3[0] + "\n" + TD3[1][:-1],
        TD3[0] + "\n" + TD3[1] + "\n" + TD3[1],
        TD1[0] + "\n" + TD1[1],
        TD3[0] + "\n" + TD2[1],
        TD3[0].replace("ANNA", "AN A") + "\n" + TD3[1],
        TD3[0] + "\n" + TD3[1].replace("L898", "L89-"),
        TD3[0].replace("ERIKSSON", "ERIKSSÖN") + "\n" + TD3[1],
        "\x00" * 88,
    ],
)
def test_garbage_raises_format_error(text: str) -> None:
    with pytest.raises(MrzFormatError):
        parse_mrz(text, today=BEFORE_SPECIMEN_EXPIRY)


def test_format_error_is_value_error() -> None:
    assert issubclass(MrzFormatError, ValueError)


def _with(line: str, index: int, char: str) -> str:
    return line[:index] + char + line[index + 1 :]


@pytest.mark.parametrize(
    ("index", "char", "code"),
    [
        (9, "7", "document_number_check_digit"),
        (19, "3", "birth_date_check_digit"),
        (27, "8", "expiry_date_check_digit"),
        (42, "2", "optional_data_check_digit"),
        (43, "1", "composite_check_digit"),
    ],
)
def test_each_td3_check_digit_is_verified(index: int, char: str, code: str) -> None:
    result = parse((TD3[0], _with(TD3[1], index, char)))
    assert code in result.errors
    assert not result.valid


def test_empty_optional_data_accepts_filler_or_zero_check_digit() -> None:
    for digit in "<0":
        body = "L898902C36UTO7408122F1204159" + "<" * 14 + digit
        line2 = body + str(check_digit(body[0:10] + body[13:20] + body[21:43]))
        assert parse((TD3[0], line2)).valid, digit


def test_filler_check_digit_refused_when_optional_data_present() -> None:
    line2 = _with(TD3[1], 42, "<")
    assert "optional_data_check_digit" in parse((TD3[0], line2)).errors


def test_invalid_dates_are_reported_and_none() -> None:
    # 13th month of birth, 30 February expiry; check digits recomputed so only the dates fail.
    birth, expiry = "741312", "120230"
    body = "L898902C36UTO" + birth + str(check_digit(birth)) + "F"
    body += expiry + str(check_digit(expiry)) + "ZE184226B<<<<<1"
    line2 = body + str(check_digit(body[0:10] + body[13:20] + body[21:43]))
    result = parse((TD3[0], line2))
    assert result.birth_date is None and result.expiry_date is None
    assert "birth_date_invalid" in result.errors
    assert "expiry_date_invalid" in result.errors
    assert "document_expired" not in result.errors


def test_non_digit_date_is_invalid_even_when_check_digit_misses_it() -> None:
    # "A" (value 10) in place of "0" leaves every 7-3-1 sum unchanged mod 10.
    result = parse((TD3[0], _with(TD3[1], 15, "A")))
    assert result.birth_date is None
    assert result.errors == ("birth_date_invalid",)
    result = parse((TD3[0], _with(TD3[1], 15, "B")))
    assert "birth_date_check_digit" in result.errors


def _td3_with_dates(birth: str, expiry: str) -> tuple[str, str]:
    body = "L898902C36UTO" + birth + str(check_digit(birth)) + "F"
    body += expiry + str(check_digit(expiry)) + "<" * 14 + "<"
    return TD3[0], body + str(check_digit(body[0:10] + body[13:20] + body[21:43]))


@pytest.mark.parametrize(
    ("birth", "today", "expected"),
    [
        ("250101", dt.date(2026, 6, 1), dt.date(2025, 1, 1)),
        ("261127", dt.date(2026, 11, 27), dt.date(2026, 11, 27)),
        ("261128", dt.date(2026, 11, 27), dt.date(1926, 11, 28)),
        ("270101", dt.date(2026, 6, 1), dt.date(1927, 1, 1)),
        ("991231", dt.date(2026, 6, 1), dt.date(1999, 12, 31)),
        ("000229", dt.date(2026, 6, 1), dt.date(2000, 2, 29)),
    ],
)
def test_birth_century(birth: str, today: dt.date, expected: dt.date) -> None:
    assert parse(_td3_with_dates(birth, "300101"), today=today).birth_date == expected


def test_expiry_is_always_twenty_first_century() -> None:
    result = parse(_td3_with_dates("740812", "950101"), today=dt.date(2026, 1, 1))
    assert result.expiry_date == dt.date(2095, 1, 1)


@pytest.mark.parametrize(("char", "sex"), [("M", "M"), ("F", "F"), ("<", "X"), ("X", "X")])
def test_sex_codes(char: str, sex: str) -> None:
    line2 = _with(TD3[1], 20, char)  # sex is not covered by any check digit
    result = parse((TD3[0], line2))
    assert result.sex == sex
    assert result.valid


def test_bad_sex_code() -> None:
    assert "sex_invalid" in parse((TD3[0], _with(TD3[1], 20, "Q"))).errors


def test_digits_in_country_codes_are_reported() -> None:
    result = parse((_with(TD3[0], 3, "7"), _with(TD3[1], 11, "0")))
    assert "unknown_issuing_state_chars" in result.errors
    assert "unknown_nationality_chars" in result.errors


def test_short_state_code_with_fillers() -> None:
    line1 = "P<D<<ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
    result = parse((line1, TD3[1]))
    assert result.issuing_state == "D"
    assert result.valid


def test_missing_surname_and_bad_document_type() -> None:
    line1 = "1<UTO" + "<" * 39
    result = parse((line1, TD3[1]))
    assert "surname_missing" in result.errors
    assert "document_type_invalid" in result.errors


def test_single_name_holder() -> None:
    line1 = "P<UTOERIKSSON" + "<" * 31
    result = parse((line1, TD3[1]))
    assert (result.surname, result.given_names) == ("ERIKSSON", "")
    assert result.valid


# Positions (in the joined MRZ) covered by some check digit, per format.
_CHECKED_POSITIONS = {
    "TD3": [*range(44, 54), *range(57, 64), *range(65, 88)],
    "TD2": [*range(36, 46), *range(49, 56), *range(57, 64), 71],
    "TD1": [*range(5, 15), *range(30, 37), *range(38, 45), 59],
}


@pytest.mark.parametrize(("lines", "fmt"), [(TD3, "TD3"), (TD1, "TD1"), (TD2, "TD2")])
def test_every_single_digit_substitution_in_checked_fields_is_caught(
    lines: tuple[str, ...], fmt: str
) -> None:
    joined = "".join(lines)
    width = len(lines[0])
    tried = 0
    for position in _CHECKED_POSITIONS[fmt]:
        if not joined[position].isdigit():
            continue
        for digit in "0123456789":
            if digit == joined[position]:
                continue
            corrupted = joined[:position] + digit + joined[position + 1 :]
            text = "\n".join(corrupted[i : i + width] for i in range(0, len(corrupted), width))
            result = parse_mrz(text, today=BEFORE_SPECIMEN_EXPIRY)
            assert not result.valid, (fmt, position, digit)
            tried += 1
    assert tried > 150


def test_long_document_number_does_not_fit_the_travel_document_model() -> None:
    # TravelDocument.document_number allows 9 characters; TD1/TD2 may carry more.
    result = parse(TD1_LONG, today=dt.date(1994, 1, 1))
    assert result.valid
    with pytest.raises(ValueError, match="9 characters"):
        result.to_travel_document()

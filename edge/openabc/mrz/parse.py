"""Parse TD1, TD2 and TD3 machine-readable zones (ICAO Doc 9303 parts 4-6)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from openabc.mrz.checksum import MRZ_ALPHABET, check_digit_matches
from openabc.mrz.fields import (
    checked,
    decode_code,
    decode_date,
    decode_document_type,
    decode_name,
    decode_sex,
    optional_checked,
    split_long_number,
    strip_filler,
)
from openabc.mrz.result import MrzFormat, MrzFormatError, MrzResult

# (line count, line length) -> format
_SHAPES: dict[tuple[int, int], MrzFormat] = {(3, 30): "TD1", (2, 36): "TD2", (2, 44): "TD3"}
_SINGLE_LINE: dict[int, tuple[int, int]] = {90: (3, 30), 72: (2, 36), 88: (2, 44)}


@dataclass(frozen=True, slots=True)
class _Layout:
    """Where the shared fields sit once the lines are joined into one string."""

    doc_type: slice
    state: slice
    number: slice
    number_digit: int
    nationality: slice
    birth: slice
    sex: int
    expiry: slice
    optional: slice
    optional_2: slice | None
    name: slice
    composite: int
    composite_parts: tuple[slice, ...]


_TD1 = _Layout(
    doc_type=slice(0, 2),
    state=slice(2, 5),
    number=slice(5, 14),
    number_digit=14,
    optional=slice(15, 30),
    birth=slice(30, 36),
    sex=37,
    expiry=slice(38, 44),
    nationality=slice(45, 48),
    optional_2=slice(48, 59),
    composite=59,
    name=slice(60, 90),
    composite_parts=(slice(5, 30), slice(30, 37), slice(38, 45), slice(48, 59)),
)
_TD2 = _Layout(
    doc_type=slice(0, 2),
    state=slice(2, 5),
    name=slice(5, 36),
    number=slice(36, 45),
    number_digit=45,
    nationality=slice(46, 49),
    birth=slice(49, 55),
    sex=56,
    expiry=slice(57, 63),
    optional=slice(64, 71),
    optional_2=None,
    composite=71,
    composite_parts=(slice(36, 46), slice(49, 56), slice(57, 71)),
)
_TD3 = _Layout(
    doc_type=slice(0, 2),
    state=slice(2, 5),
    name=slice(5, 44),
    number=slice(44, 53),
    number_digit=53,
    nationality=slice(54, 57),
    birth=slice(57, 63),
    sex=64,
    expiry=slice(65, 71),
    optional=slice(72, 86),
    optional_2=None,
    composite=87,
    composite_parts=(slice(44, 54), slice(57, 64), slice(65, 87)),
)
_LAYOUTS: dict[MrzFormat, _Layout] = {"TD1": _TD1, "TD2": _TD2, "TD3": _TD3}


def split_lines(text: str) -> tuple[MrzFormat, str]:
    """Normalise reader/OCR text and return the format and the joined MRZ."""
    lines = [line.strip().upper() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if len(lines) == 1 and len(lines[0]) in _SINGLE_LINE:
        count, width = _SINGLE_LINE[len(lines[0])]
        lines = [lines[0][i * width : (i + 1) * width] for i in range(count)]
    shape = (len(lines), len(lines[0]) if lines else 0)
    if shape not in _SHAPES or any(len(line) != shape[1] for line in lines):
        lengths = ",".join(str(len(line)) for line in lines)
        raise MrzFormatError(f"expected 3x30, 2x36 or 2x44 characters, got lines of [{lengths}]")
    joined = "".join(lines)
    if not set(joined) <= MRZ_ALPHABET:
        raise MrzFormatError("MRZ may contain only A-Z, 0-9 and '<'")
    return _SHAPES[shape], joined


def parse_mrz(text: str, *, today: dt.date) -> MrzResult:
    """Decode and verify an MRZ; problems are listed in ``errors``, not raised.

    Raises MrzFormatError only when the text cannot be an MRZ at all.
    """
    fmt, mrz = split_lines(text)
    layout = _LAYOUTS[fmt]
    errors: list[str] = []

    document_type, errs = decode_document_type(mrz[layout.doc_type])
    errors += errs
    issuing_state, errs = decode_code(mrz[layout.state], "unknown_issuing_state_chars")
    errors += errs
    number, digit, optional = (mrz[layout.number], mrz[layout.number_digit], mrz[layout.optional])
    if fmt == "TD3":
        errors += optional_checked(optional, mrz[layout.optional.stop])
    else:
        number, digit, optional = split_long_number(number, digit, optional)
    errors += checked(number, digit, "document_number_check_digit")
    document_number = number.rstrip("<")
    if not document_number:
        errors.append("document_number_missing")
    nationality, errs = decode_code(mrz[layout.nationality], "unknown_nationality_chars")
    errors += errs

    birth_field, expiry_field = mrz[layout.birth], mrz[layout.expiry]
    errors += checked(birth_field, mrz[layout.birth.stop], "birth_date_check_digit")
    errors += checked(expiry_field, mrz[layout.expiry.stop], "expiry_date_check_digit")
    birth_date = decode_date(birth_field, today=today, birth=True)
    expiry_date = decode_date(expiry_field, today=today, birth=False)
    if birth_date is None:
        errors.append("birth_date_invalid")
    if expiry_date is None:
        errors.append("expiry_date_invalid")
    elif expiry_date < today:
        errors.append("document_expired")

    sex, errs = decode_sex(mrz[layout.sex])
    errors += errs
    composite_field = "".join(mrz[part] for part in layout.composite_parts)
    if not check_digit_matches(composite_field, mrz[layout.composite]):
        errors.append("composite_check_digit")
    surname, given_names, errs = decode_name(mrz[layout.name])
    errors += errs

    return MrzResult(
        format=fmt,
        document_type=document_type,
        issuing_state=issuing_state,
        document_number=document_number,
        nationality=nationality,
        birth_date=birth_date,
        expiry_date=expiry_date,
        sex=sex,
        surname=surname,
        given_names=given_names,
        optional_data=strip_filler(optional),
        optional_data_2=strip_filler(mrz[layout.optional_2]) if layout.optional_2 else "",
        errors=tuple(errors),
    )

"""Decoders for single MRZ fields; each returns its value and error codes."""

from __future__ import annotations

import datetime as dt
import string

from openabc.mrz.checksum import check_digit_matches
from openabc.mrz.result import Sex

_CODE_CHARS = frozenset(string.ascii_uppercase + "<")


def strip_filler(field: str) -> str:
    """Field value with fillers turned into spaces and trimmed."""
    return " ".join(field.replace("<", " ").split())


def decode_code(field: str, error: str) -> tuple[str, list[str]]:
    """Issuing state / nationality: letters and fillers only (``D<<`` is Germany)."""
    value = field.rstrip("<")
    if not value or not set(field) <= _CODE_CHARS:
        return value, [error]
    return value, []


def decode_document_type(field: str) -> tuple[str, list[str]]:
    """Two-character document code; the first must be a letter."""
    value = field.rstrip("<")
    if not value or not value[0].isalpha() or "<" in value:
        return value, ["document_type_invalid"]
    return value, []


def decode_name(field: str) -> tuple[str, str, list[str]]:
    """Split at the first ``<<`` into primary and secondary identifiers."""
    primary, _, secondary = field.partition("<<")
    surname = strip_filler(primary)
    given_names = strip_filler(secondary)
    errors: list[str] = []
    if not surname:
        errors.append("surname_missing")
    if any(c.isdigit() for c in field):
        errors.append("name_invalid_chars")
    return surname, given_names, errors


def decode_sex(char: str) -> tuple[Sex, list[str]]:
    """``<`` (unspecified) and ``X`` both map to X."""
    if char == "M":
        return "M", []
    if char == "F":
        return "F", []
    if char in ("X", "<"):
        return "X", []
    return "X", ["sex_invalid"]


def decode_date(field: str, *, today: dt.date, birth: bool) -> dt.date | None:
    """YYMMDD; birth dates in the future belong to the previous century.

    Expiry dates are always 20xx (no MRTD issued today expires in the 1900s).
    """
    if len(field) != 6 or not field.isdigit():
        return None
    yy, month, day = int(field[:2]), int(field[2:4]), int(field[4:])
    year = 2000 + yy
    if birth and (year, month, day) > (today.year, today.month, today.day):
        year -= 100
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def checked(field: str, digit: str, error: str) -> list[str]:
    """The error code when ``digit`` is not the check digit of ``field``."""
    return [] if check_digit_matches(field, digit) else [error]


def optional_checked(field: str, digit: str) -> list[str]:
    """TD3 personal-number check: ``<`` (or 0) is allowed when the field is empty."""
    if set(field) <= {"<"} and digit in ("<", "0"):
        return []
    return checked(field, digit, "optional_data_check_digit")


def split_long_number(number: str, digit: str, optional: str) -> tuple[str, str, str]:
    """TD1/TD2 rule for numbers over 9 characters.

    The check-digit position holds ``<``; the number continues in the optional
    data, followed by its check digit over the full number and a filler.
    Returns (full number field, check digit, remaining optional data).
    """
    if digit != "<" or set(optional) <= {"<"}:
        return number, digit, optional
    head, sep, tail = optional.partition("<")
    if len(head) < 2:
        return number, digit, optional
    return number + head[:-1], head[-1], tail if sep else ""

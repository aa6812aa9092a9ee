"""Write TD3 (passport) MRZ lines, e.g. for the emulator and test documents."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from openabc.mrz.checksum import MRZ_ALPHABET, check_digit
from openabc.mrz.result import Sex

_NAME_WIDTH = 39
# ICAO 9303 Part 3 recommended transliterations for Latin letters without an
# NFKD decomposition into A-Z (or whose usual spelling is two letters).
_TRANSLIT = {
    "Ä": "AE",
    "Ö": "OE",
    "Ü": "UE",
    "ß": "SS",
    "Æ": "AE",
    "Ø": "OE",
    "Å": "AA",
    "Œ": "OE",
    "Þ": "TH",
    "Ð": "D",
    "Đ": "D",
    "Ł": "L",
    "Ħ": "H",
    "Ŀ": "L",
    "Ĳ": "IJ",
}


def transliterate(name: str) -> str:
    """Upper-case A-Z words joined by ``<``; apostrophes vanish, other marks separate."""
    out: list[str] = []
    for char in name.upper().replace("ẞ", "ß"):
        if char in _TRANSLIT:
            out.append(_TRANSLIT[char])
            continue
        base = unicodedata.normalize("NFKD", char)
        letters = "".join(c for c in base if "A" <= c <= "Z")
        if letters:
            out.append(letters)
        elif char in "'’`":
            continue
        else:
            out.append("<")
    return re.sub("<+", "<", "".join(out)).strip("<")


def name_field(surname: str, given_names: str, width: int = _NAME_WIDTH) -> str:
    """Primary ``<<`` secondary identifier, truncated to ``width`` and padded."""
    primary, secondary = transliterate(surname), transliterate(given_names)
    if not primary:
        raise ValueError("surname has no characters that can be written in an MRZ")
    joined = f"{primary}<<{secondary}" if secondary else primary
    return _pad(joined[:width].rstrip("<"), width)


def _pad(value: str, width: int) -> str:
    return value + "<" * (width - len(value))


def _code(value: str, width: int, what: str) -> str:
    value = value.upper()
    if len(value) > width or not set(value) <= MRZ_ALPHABET:
        raise ValueError(f"{what} must be at most {width} MRZ characters")
    return _pad(value, width)


def _yymmdd(day: dt.date) -> str:
    return day.strftime("%y%m%d")


def compose_td3(
    *,
    document_type: str = "P",
    issuing_state: str,
    surname: str,
    given_names: str,
    document_number: str,
    nationality: str,
    birth_date: dt.date,
    sex: Sex,
    expiry_date: dt.date,
    optional_data: str = "",
) -> tuple[str, str]:
    """Both 44-character TD3 lines with every check digit filled in."""
    if sex not in ("M", "F", "X"):
        raise ValueError("sex must be M, F or X")
    if not document_number:
        raise ValueError("document number is empty")
    line1 = (
        _code(document_type, 2, "document type")
        + _code(issuing_state, 3, "issuing state")
        + name_field(surname, given_names)
    )
    number = _code(document_number, 9, "document number")
    birth, expiry = _yymmdd(birth_date), _yymmdd(expiry_date)
    optional = _code(optional_data, 14, "optional data")
    optional_digit = "<" if set(optional) == {"<"} else str(check_digit(optional))
    number_part = number + str(check_digit(number))
    birth_part = birth + str(check_digit(birth))
    expiry_part = expiry + str(check_digit(expiry)) + optional + optional_digit
    composite = check_digit(number_part + birth_part + expiry_part)
    line2 = (
        number_part
        + _code(nationality, 3, "nationality")
        + birth_part
        + ("<" if sex == "X" else sex)
        + expiry_part
        + str(composite)
    )
    return line1, line2

"""ICAO 9303 Part 3 check digits (weights 7, 3, 1 repeating, modulus 10)."""

from __future__ import annotations

MRZ_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<")
_WEIGHTS = (7, 3, 1)


def char_value(char: str) -> int:
    """Numeric value of one MRZ character: digits as-is, A=10..Z=35, filler 0."""
    if char == "<":
        return 0
    if "0" <= char <= "9":
        return ord(char) - ord("0")
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    raise ValueError(f"character {char!r} is not allowed in an MRZ")


def check_digit(field: str) -> int:
    """The check digit of ``field``, which must contain only MRZ characters."""
    total = 0
    for index, char in enumerate(field):
        total += char_value(char) * _WEIGHTS[index % 3]
    return total % 10


def check_digit_matches(field: str, digit: str) -> bool:
    """True when ``digit`` (one MRZ character) is the check digit of ``field``."""
    return digit.isdigit() and int(digit) == check_digit(field)

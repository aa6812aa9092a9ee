"""``openabc mrz``: check MRZ lines from stdin and print the verdict as JSON."""

from __future__ import annotations

import datetime as dt
import json
from typing import TextIO

from openabc.mrz.parse import parse_mrz
from openabc.mrz.result import MrzFormatError, MrzResult

EXIT_VALID = 0
EXIT_UNPARSEABLE = 2
EXIT_INVALID = 3
_MAX_INPUT_CHARS = 4096


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def result_to_json(result: MrzResult) -> dict[str, object]:
    """JSON-ready dict of every field (dates ISO, null when unreadable)."""
    return {
        "valid": result.valid,
        "format": result.format,
        "document_type": result.document_type,
        "document_number": result.document_number,
        "issuing_state": result.issuing_state,
        "nationality": result.nationality,
        "birth_date": _iso(result.birth_date),
        "expiry_date": _iso(result.expiry_date),
        "sex": result.sex,
        "surname": result.surname,
        "given_names": result.given_names,
        "optional_data": result.optional_data,
        "optional_data_2": result.optional_data_2,
        "errors": list(result.errors),
    }


def run_mrz_command(stdin: TextIO, stdout: TextIO, *, today: dt.date) -> int:
    """Exit 0 when valid, 3 when a check or field fails, 2 when not an MRZ at all."""
    text = stdin.read(_MAX_INPUT_CHARS + 1)
    try:
        if len(text) > _MAX_INPUT_CHARS:
            raise MrzFormatError(f"input longer than {_MAX_INPUT_CHARS} characters")
        result = parse_mrz(text, today=today)
    except MrzFormatError as exc:
        json.dump({"valid": False, "errors": [f"unparseable: {exc}"]}, stdout)
        stdout.write("\n")
        return EXIT_UNPARSEABLE
    json.dump(result_to_json(result), stdout, indent=2)
    stdout.write("\n")
    return EXIT_VALID if result.valid else EXIT_INVALID

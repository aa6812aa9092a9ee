"""``openabc stay``: the 90/180 figures for an entry day, from past stays on stdin.

A stable command-line contract used by external checks. Input
``{"stays": [{"entry": "YYYY-MM-DD", "exit": "YYYY-MM-DD"}, ...]}`` lists
past stays, both days inclusive. Stays may come in any order and may overlap
or touch (a same-day exit and re-entry): a day inside is counted once, which
is how the rule counts days. A stay ending after the entry day is not a past
stay and is refused, as is an exit before its entry.

Output: ``days_used`` (days in the 180-day window ending on the entry day,
the entry day included), ``latest_exit`` (null when entering that day
already breaks 90/180), ``days_remaining`` and ``entry``. Exit code 0, or 2
with ``{"error": ...}`` on malformed input.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TextIO

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from openabc.matcher.stay import Stay, days_in_window, latest_exit, stay_days

EXIT_OK = 0
EXIT_BAD_INPUT = 2


class PastStay(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    entry: dt.date
    exit: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> PastStay:
        if self.exit < self.entry:
            raise ValueError(f"stay exit {self.exit} is before its entry {self.entry}")
        return self


class StayInput(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    stays: list[PastStay] = Field(max_length=10_000)


def stay_figures(stays: list[PastStay], entry: dt.date) -> dict[str, object]:
    """The JSON answer for valid input (past stays all end on or before ``entry``)."""
    days = stay_days([Stay(s.entry, s.exit) for s in stays], entry)
    used = days_in_window(days | {entry}, entry)
    last = latest_exit(days, entry)
    return {
        "entry": entry.isoformat(),
        "days_used": used,
        "latest_exit": None if last is None else last.isoformat(),
        "days_remaining": 0 if last is None else (last - entry).days + 1,
    }


def _error(stdout: TextIO, message: str) -> int:
    stdout.write(json.dumps({"error": message}) + "\n")
    return EXIT_BAD_INPUT


def run_stay_command(stdin: TextIO, stdout: TextIO, *, entry: dt.date) -> int:
    """Read past stays from ``stdin``, write the figures for ``entry`` to ``stdout``."""
    try:
        parsed = StayInput.model_validate_json(stdin.read())
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return _error(stdout, f"invalid input at '{where}': {first['msg']}")
    except (UnicodeDecodeError, ValueError) as err:
        return _error(stdout, f"invalid input: {type(err).__name__}")
    late = [s for s in parsed.stays if s.exit > entry]
    if late:
        return _error(
            stdout, f"stay ending {late[0].exit} is after the entry day {entry}: not a past stay"
        )
    stdout.write(json.dumps(stay_figures(parsed.stays, entry)) + "\n")
    return EXIT_OK

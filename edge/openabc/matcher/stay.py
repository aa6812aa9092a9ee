"""EES 90/180 short-stay arithmetic.

The 180-day window ending on a day is that day and the 179 before it; entry
and exit days both count; an open stay counts up to the day computed. The
maths lives apart from storage so it can be checked against a brute-force
reference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from openabc.messages import StaySummary

WINDOW_DAYS = 180
MAX_DAYS = 90
_ONE = dt.timedelta(days=1)


@dataclass(frozen=True)
class Stay:
    """One stay in the Schengen area; ``exit_date`` None means still inside."""

    entry_date: dt.date
    exit_date: dt.date | None = None


def pair_movements(movements: Iterable[tuple[str, dt.date]]) -> list[Stay]:
    """Pair each EES entry with the next exit; a trailing entry is an open stay.

    An entry followed by another entry (exit never recorded) is assumed to
    have lasted until the day before the next entry: counting those days is
    the cautious reading of a gap in the record. A lone exit is ignored.
    """
    stays: list[Stay] = []
    entry: dt.date | None = None
    for direction, day in movements:
        if direction == "entry":
            if entry is not None:
                stays.append(Stay(entry, max(entry, day - _ONE)))
            entry = day
        elif entry is not None:
            stays.append(Stay(entry, day))
            entry = None
    if entry is not None:
        stays.append(Stay(entry, None))
    return stays


def stay_days(stays: Iterable[Stay], until: dt.date) -> set[dt.date]:
    """Every day spent inside up to ``until`` (open stays run to ``until``)."""
    days: set[dt.date] = set()
    for stay in stays:
        last = until if stay.exit_date is None else min(stay.exit_date, until)
        day = stay.entry_date
        while day <= last:
            days.add(day)
            day += _ONE
    return days


def days_in_window(days: set[dt.date], ending: dt.date) -> int:
    """Days of ``days`` in the 180-day window ending on ``ending``."""
    start = ending - dt.timedelta(days=WINDOW_DAYS - 1)
    return sum(1 for day in days if start <= day <= ending)


def stay_summary(stays: Iterable[Stay], on_date: dt.date) -> StaySummary:
    """Days used on ``on_date`` and how long a stay starting that day may last.

    ``latest_exit`` is the last day such that staying every day from
    ``on_date`` to it keeps every window at or under 90 days; when not even
    ``on_date`` is allowed it is the day before ``on_date`` and
    ``days_remaining`` is 0.
    """
    days = stay_days(stays, on_date)
    used = days_in_window(days, on_date)
    count = used if on_date in days else used + 1
    day = on_date
    while count <= MAX_DAYS:
        day += _ONE
        dropped = day - dt.timedelta(days=WINDOW_DAYS)
        count += 1 - (1 if dropped in days or on_date <= dropped else 0)
    latest_exit = day - _ONE
    return StaySummary(
        on_date=on_date,
        days_used=used,
        days_remaining=(latest_exit - on_date).days + 1,
        latest_exit=latest_exit,
    )

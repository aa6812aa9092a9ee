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


def latest_exit(days: set[dt.date], entry: dt.date) -> dt.date | None:
    """Last day a stay from ``entry`` may run without any window exceeding 90 days.

    ``days`` are the days already spent inside; ``entry`` counts whether or
    not it is among them. None when entering on ``entry`` already breaks the
    rule. Inside one continuous stay the window count never decreases (each
    new day adds one, at most one old day drops out), so the first day over
    the limit ends the search.
    """
    count = days_in_window(days | {entry}, entry)
    if count > MAX_DAYS:
        return None
    day = entry
    while count <= MAX_DAYS:
        day += _ONE
        dropped = day - dt.timedelta(days=WINDOW_DAYS)
        count += 1 - (1 if dropped in days or entry <= dropped else 0)
    return day - _ONE


def stay_summary(stays: Iterable[Stay], on_date: dt.date) -> StaySummary:
    """Days used on ``on_date`` and how long a stay starting that day may last.

    ``days_used`` counts days already spent (an open stay up to ``on_date``);
    ``latest_exit`` is None and ``days_remaining`` 0 when not even
    ``on_date`` itself is allowed.
    """
    days = stay_days(stays, on_date)
    last = latest_exit(days, on_date)
    return StaySummary(
        on_date=on_date,
        days_used=days_in_window(days, on_date),
        days_remaining=0 if last is None else (last - on_date).days + 1,
        latest_exit=last,
    )


def exit_summary(stays: Iterable[Stay], exit_day: dt.date) -> tuple[StaySummary, int]:
    """Figures on leaving, and the overstay in days (0 when the stay was lawful).

    The stay being closed is the open one (or, with no entry on record, a
    stay of the exit day alone: the cautious reading). Overstay days are the
    days after its latest permitted exit; ``latest_exit`` is that day (None
    when even the entry day was over the limit).
    """
    listed = list(stays)
    open_entries = [s.entry_date for s in listed if s.exit_date is None]
    entry = min(open_entries, default=exit_day)
    earlier = [s for s in listed if s.exit_date is not None]
    days = stay_days(earlier, entry - _ONE)
    last = latest_exit(days, entry)
    overstay = (exit_day - entry).days + 1 if last is None else max(0, (exit_day - last).days)
    inside = days | stay_days([Stay(entry, exit_day)], exit_day)
    summary = StaySummary(
        on_date=exit_day,
        days_used=days_in_window(inside, exit_day),
        days_remaining=0 if last is None else max(0, (last - exit_day).days),
        latest_exit=last,
    )
    return summary, overstay

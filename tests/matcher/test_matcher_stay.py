"""EES 90/180 rule: worked examples and a brute-force day-by-day reference."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from openabc.matcher.stay import Stay, stay_summary

D0 = dt.date(2025, 1, 1)


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


def test_no_history_allows_90_days_counting_entry_day() -> None:
    summary = stay_summary([], day(0))
    assert summary.days_used == 0
    assert summary.days_remaining == 90
    assert summary.latest_exit == day(89)


def test_full_90_days_just_used_leaves_nothing() -> None:
    # Jan 1 - Mar 31 2025 is 90 days; entry and exit days both count.
    summary = stay_summary([Stay(dt.date(2025, 1, 1), dt.date(2025, 3, 31))], dt.date(2025, 4, 1))
    assert summary.days_used == 90
    assert summary.days_remaining == 0
    assert summary.latest_exit is None


def test_entry_and_exit_day_both_count() -> None:
    summary = stay_summary([Stay(day(0), day(0)), Stay(day(10), day(11))], day(20))
    assert summary.days_used == 3


def test_window_is_the_day_and_the_179_before() -> None:
    stays = [Stay(day(0), day(9))]
    assert stay_summary(stays, day(179)).days_used == 10  # window day 0..179
    assert stay_summary(stays, day(180)).days_used == 9  # day 0 has dropped out
    assert stay_summary(stays, day(189)).days_used == 0


def test_thirty_days_used_then_sixty_more() -> None:
    # 30 days (0..29), re-entry on day 100: every window up to day 179 holds day 0.
    summary = stay_summary([Stay(day(0), day(29))], day(100))
    assert summary.days_used == 30
    assert summary.days_remaining == 60
    assert summary.latest_exit == day(159)


def test_rolling_window_lets_old_days_drop_out() -> None:
    # 60 days (0..59), entry on day 150: 30 days until day 179, then one old day
    # drops out per new day, so the stay can run a full 90 days to day 239.
    summary = stay_summary([Stay(day(0), day(59))], day(150))
    assert summary.days_used == 60
    assert summary.days_remaining == 90
    assert summary.latest_exit == day(239)


def test_open_stay_counts_up_to_the_day_computed() -> None:
    summary = stay_summary([Stay(day(0), None)], day(29))
    assert summary.days_used == 30
    assert summary.days_remaining == 61  # days 29..89: day 29 is already counted
    assert summary.latest_exit == day(89)


def test_already_over_the_limit() -> None:
    summary = stay_summary([Stay(day(0), day(99))], day(100))
    assert summary.days_used == 100
    assert summary.days_remaining == 0
    assert summary.latest_exit is None


def _brute(stays: list[Stay], on: dt.date) -> tuple[int, dt.date | None]:
    """Day-by-day: count windows from scratch for every candidate exit day."""
    origin = on - dt.timedelta(days=800)
    inside = [False] * 1200
    for stay in stays:
        last = on if stay.exit_date is None else min(stay.exit_date, on)
        for i in range((stay.entry_date - origin).days, (last - origin).days + 1):
            inside[i] = True
    start = (on - origin).days

    def window(flags: list[bool], end: int) -> int:
        return sum(flags[end - 179 : end + 1])

    used = window(inside, start)
    latest = start - 1
    for exit_index in range(start, start + 200):
        trial = inside[:]
        for i in range(start, exit_index + 1):
            trial[i] = True
        if all(window(trial, e) <= 90 for e in range(start, exit_index + 1)):
            latest = exit_index
        else:
            break
    return used, None if latest < start else origin + dt.timedelta(days=latest)


stays_strategy = st.lists(
    st.tuples(st.integers(-500, 0), st.integers(0, 80), st.booleans()), max_size=6
)


@settings(max_examples=150, deadline=None)
@given(stays_strategy)
def test_matches_brute_force(raw: list[tuple[int, int, bool]]) -> None:
    on = day(600)
    stays = [
        Stay(
            on + dt.timedelta(days=start),
            None if is_open else on + dt.timedelta(days=start + length),
        )
        for start, length, is_open in raw
    ]
    summary = stay_summary(stays, on)
    used, latest = _brute(stays, on)
    assert summary.days_used == used
    assert summary.latest_exit == latest
    assert summary.days_remaining == (0 if latest is None else (latest - on).days + 1)
    assert 0 <= summary.days_remaining <= 90


def test_pairing_movements_into_stays() -> None:
    from openabc.matcher.stay import pair_movements

    movements = [
        ("exit", day(0)),  # lone exit: ignored
        ("entry", day(5)),
        ("exit", day(9)),
        ("entry", day(9)),  # same-day re-entry after an exit
        ("exit", day(12)),
        ("entry", day(20)),  # exit never recorded: counted until the day before next entry
        ("entry", day(30)),
    ]
    assert pair_movements(movements) == [
        Stay(day(5), day(9)),
        Stay(day(9), day(12)),
        Stay(day(20), day(29)),
        Stay(day(30), None),
    ]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-500, -1), st.integers(0, 60)), max_size=5),
    st.integers(0, 150),
    st.integers(0, 200),
)
def test_overstay_at_exit_matches_day_by_day_count(
    past: list[tuple[int, int]], gap: int, length: int
) -> None:
    """Overstay = days of the closing stay on which the window held more than 90 days."""
    from openabc.matcher.stay import exit_summary

    entry = day(600 + gap)
    stays = [
        Stay(day(600 + s), min(day(600 + s + n), day(600 + gap - 1)))
        for s, n in past
        if day(600 + s) < entry
    ]
    exit_day = entry + dt.timedelta(days=length)
    inside: set[dt.date] = set()
    for stay in stays + [Stay(entry, exit_day)]:
        assert stay.exit_date is not None
        inside |= {
            stay.entry_date + dt.timedelta(days=i)
            for i in range((stay.exit_date - stay.entry_date).days + 1)
        }
    over = 0
    for i in range(length + 1):
        end = entry + dt.timedelta(days=i)
        count = sum(1 for k in range(180) if end - dt.timedelta(days=k) in inside)
        over += count > 90
    summary, overstay = exit_summary([*stays, Stay(entry, None)], exit_day)
    assert overstay == over
    assert (summary.latest_exit is None) == (over == length + 1)

"""``openabc stay`` contract: brute-force reference, worked examples, refused input."""

from __future__ import annotations

import datetime as dt
import io
import json

import numpy as np
import numpy.typing as npt
from hypothesis import given, settings
from hypothesis import strategies as st

from openabc.matcher.stay_cli import run_stay_command

ENTRY = dt.date(2026, 6, 1)
ORIGIN_DAYS = 600


def run(
    stays: list[tuple[dt.date, dt.date]], entry: dt.date = ENTRY
) -> tuple[int, dict[str, object]]:
    payload = {"stays": [{"entry": a.isoformat(), "exit": b.isoformat()} for a, b in stays]}
    out = io.StringIO()
    code = run_stay_command(io.StringIO(json.dumps(payload)), out, entry=entry)
    return code, json.loads(out.getvalue())


def run_raw(text: str) -> tuple[int, dict[str, object]]:
    out = io.StringIO()
    code = run_stay_command(io.StringIO(text), out, entry=ENTRY)
    return code, json.loads(out.getvalue())


def d(offset: int) -> dt.date:
    return ENTRY + dt.timedelta(days=offset)


def brute(stays: list[tuple[dt.date, dt.date]], entry: dt.date) -> tuple[int, str | None]:
    """Mark every day inside, then count each window from scratch for each candidate exit."""
    origin = entry - dt.timedelta(days=ORIGIN_DAYS)
    inside = np.zeros(ORIGIN_DAYS + 200, dtype=np.int64)
    for a, b in stays:
        inside[(a - origin).days : (b - origin).days + 1] = 1
    start = ORIGIN_DAYS

    def windows(flags: npt.NDArray[np.int64], last: int) -> list[int]:
        return [int(flags[e - 179 : e + 1].sum()) for e in range(start, last + 1)]

    with_entry = inside.copy()
    with_entry[start] = 1
    used = windows(with_entry, start)[0]
    latest: int | None = None
    for last in range(start, start + 200):
        trial = inside.copy()
        trial[start : last + 1] = 1
        if max(windows(trial, last)) > 90:
            break
        latest = last
    return used, None if latest is None else (origin + dt.timedelta(days=latest)).isoformat()


past_stays = st.lists(
    st.tuples(st.integers(-400, 0), st.integers(0, 100)).map(
        lambda t: (d(t[0]), min(d(t[0] + t[1]), ENTRY))
    ),
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(past_stays)
def test_matches_brute_force(stays: list[tuple[dt.date, dt.date]]) -> None:
    code, answer = run(stays)
    assert code == 0
    assert (answer["days_used"], answer["latest_exit"]) == brute(stays, ENTRY)


def test_no_history_is_90_days_counting_the_entry_day() -> None:
    assert run([]) == (
        0,
        {"entry": "2026-06-01", "days_used": 1, "latest_exit": "2026-08-29", "days_remaining": 90},
    )


def test_long_past_stay_fills_the_window() -> None:
    # 89 days ending the day before: the entry day is the 90th, and the last.
    code, answer = run([(d(-89), d(-1))])
    assert (code, answer["days_used"], answer["latest_exit"]) == (0, 90, "2026-06-01")
    # 90 days ending the day before: entering at all breaks the rule.
    code, answer = run([(d(-90), d(-1))])
    assert (code, answer["days_used"], answer["latest_exit"]) == (0, 91, None)
    assert answer["days_remaining"] == 0


def test_back_to_back_trips_share_the_turnaround_day() -> None:
    # exit and re-entry on the same day count that day once
    code, answer = run([(d(-30), d(-20)), (d(-20), d(-10))])
    assert answer["days_used"] == 21 + 1
    assert answer["latest_exit"] == d(68).isoformat()


def test_stay_crossing_the_window_edge_counts_only_its_inside_part() -> None:
    # window ending on ENTRY starts at d(-179): d(-185)..d(-170) has 10 days inside
    code, answer = run([(d(-185), d(-170))])
    assert answer["days_used"] == 11
    # those 10 days drop out one by one from d(1) on, so the stay may run 90 days
    assert answer["latest_exit"] == d(89).isoformat()


def test_unsorted_and_overlapping_stays_are_normalised() -> None:
    a = run([(d(-50), d(-41)), (d(-100), d(-91))])
    b = run([(d(-100), d(-91)), (d(-50), d(-41)), (d(-48), d(-45))])
    assert a == b
    assert a[1]["days_used"] == 21


def test_same_day_stay_ending_on_the_entry_day_counts_once() -> None:
    assert run([(d(-3), d(0))])[1]["days_used"] == 4


def test_stay_after_the_entry_day_is_refused() -> None:
    code, answer = run([(d(-3), d(1))])
    assert code == 2 and "not a past stay" in str(answer["error"])


def test_exit_before_entry_is_refused() -> None:
    code, answer = run([(d(-3), d(-5))])
    assert code == 2 and "before its entry" in str(answer["error"])


def test_malformed_input_is_a_clear_json_error() -> None:
    for text in (
        "",
        "[]",
        '{"stays": [{"entry": "2026-13-01", "exit": "2026-01-01"}]}',
        '{"stays": [], "extra": 1}',
        '{"stays": [{"entry": "2026-01-01"}]}',
        "\xff",
    ):
        code, answer = run_raw(text)
        assert code == 2, text
        assert isinstance(answer["error"], str) and answer["error"]

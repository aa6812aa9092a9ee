"""EES travel histories and ETIAS states, relative to the seeding day.

Archetype histories are chosen so their 90/180 outcome holds for weeks after
seeding: the overstayer's 90 days end the day before seeding and stay in the
window for another 89 days.
"""

from __future__ import annotations

import datetime as dt
import random

from openabc.seeding.models import Etias, SeedVisa

Movements = tuple[tuple[str, dt.date], ...]

ETIAS_STATES = ("valid", "expired", "revoked", "refused", "absent")
ETIAS_WEIGHTS = (70, 10, 5, 5, 10)
VISA_STATES = ("multiple", "single", "exhausted", "expired", "absent")
VISA_WEIGHTS = (50, 15, 10, 15, 10)


def _days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def stay(entry: dt.date, exit_date: dt.date | None) -> Movements:
    """Movements of one stay (no exit movement while still inside)."""
    if exit_date is None:
        return (("entry", entry),)
    return (("entry", entry), ("exit", exit_date))


def eligible_history(today: dt.date) -> Movements:
    """Two short past stays: 8 days inside the current window, 11 outside it."""
    return stay(today - _days(300), today - _days(290)) + stay(today - _days(60), today - _days(53))


def overstayer_history(today: dt.date) -> Movements:
    """Exactly 90 days ending yesterday: no day left in the window ending today."""
    return stay(today - _days(90), today - _days(1))


def random_history(rng: random.Random, today: dt.date) -> Movements:
    """0-4 non-overlapping past stays of 1-40 days, sometimes still inside."""
    movements: Movements = ()
    cursor = today - _days(rng.randint(400, 800))
    for _ in range(rng.randint(0, 4)):
        entry = cursor + _days(rng.randint(1, 150))
        exit_date = entry + _days(rng.randint(0, 39))
        if exit_date >= today:
            break
        movements += stay(entry, exit_date)
        cursor = exit_date
    if rng.random() < 0.05 and cursor < today - _days(10):
        movements += stay(today - _days(rng.randint(1, 9)), None)
    return movements


def valid_etias(today: dt.date) -> Etias:
    """A fresh three-year authorisation."""
    return Etias("valid", today + _days(3 * 365))


def random_etias(rng: random.Random, today: dt.date) -> Etias | None:
    """Valid, expired, revoked, refused or absent (None) with demo-ish frequencies."""
    state = rng.choices(ETIAS_STATES, weights=ETIAS_WEIGHTS)[0]
    if state == "absent":
        return None
    if state == "expired":
        return Etias("expired", today - _days(rng.randint(1, 400)))
    return Etias(state, today + _days(rng.randint(30, 3 * 365)))


def revoked_etias(today: dt.date) -> Etias:
    return Etias("revoked", today + _days(2 * 365))


def visa_id(rng: random.Random) -> str:
    return f"v-{rng.getrandbits(48):012x}"


def exhausted_visa(rng: random.Random, today: dt.date) -> SeedVisa:
    """A single-entry visa, valid for months around the seeding day, already used."""
    return SeedVisa(visa_id(rng), today - _days(30), today + _days(150), 1, 1)


def random_visas(rng: random.Random, today: dt.date) -> tuple[SeedVisa, ...]:
    """None, or one visa: multiple-entry, single unused, exhausted or expired."""
    state = rng.choices(VISA_STATES, weights=VISA_WEIGHTS)[0]
    if state == "absent":
        return ()
    vid = visa_id(rng)
    start = today - _days(rng.randint(1, 300))
    if state == "expired":
        return (SeedVisa(vid, start - _days(400), start - _days(200), 2, rng.randint(0, 2)),)
    until = today + _days(rng.randint(30, 700))
    if state == "multiple":
        return (SeedVisa(vid, start, until, None, rng.randint(0, 6)),)
    return (SeedVisa(vid, start, until, 1, 0 if state == "single" else 1),)

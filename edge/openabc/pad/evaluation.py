"""ISO/IEC 30107-3 style error rates: APCER per attack species, BPCER.

Why: 30107-3 reports the attack error rate separately for each presentation
attack instrument species (never averaged), so a weak species cannot hide
behind a strong one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

BONA_FIDE = "bona_fide"


@dataclass(frozen=True)
class ErrorRates:
    """APCER per species and BPCER, as fractions, with the counts behind them."""

    apcer: dict[str, float]
    bpcer: float
    counts: dict[str, int]


def error_rates(outcomes: Iterable[tuple[str, bool]]) -> ErrorRates:
    """Rates from (species, decided_attack) pairs; species ``bona_fide`` is the live class.

    APCER(species) = attacks of that species accepted as bona fide / attacks of it;
    BPCER = bona fide presentations rejected as attacks / bona fide presentations.
    """
    totals: dict[str, int] = {}
    errors: dict[str, int] = {}
    for species, is_attack in outcomes:
        totals[species] = totals.get(species, 0) + 1
        wrong = is_attack if species == BONA_FIDE else not is_attack
        errors[species] = errors.get(species, 0) + int(wrong)
    if not totals.get(BONA_FIDE):
        raise ValueError("no bona fide presentations: BPCER is undefined")
    apcer = {s: errors[s] / n for s, n in totals.items() if s != BONA_FIDE}
    return ErrorRates(apcer=apcer, bpcer=errors[BONA_FIDE] / totals[BONA_FIDE], counts=totals)


def format_table(rates: ErrorRates) -> str:
    """Plain-text table of the rates, one row per species."""
    lines = [f"{'species':<12} {'n':>5} {'rate':>7}"]
    for species, value in sorted(rates.apcer.items()):
        lines.append(f"{'APCER ' + species:<12} {rates.counts[species]:>5} {value:>7.1%}")
    lines.append(f"{'BPCER':<12} {rates.counts[BONA_FIDE]:>5} {rates.bpcer:>7.1%}")
    return "\n".join(lines)

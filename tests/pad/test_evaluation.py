"""APCER per species and BPCER arithmetic (ISO/IEC 30107-3 definitions)."""

from __future__ import annotations

import pytest

from openabc.pad.evaluation import error_rates, format_table


def test_rates_per_species() -> None:
    outcomes = [("bona_fide", False)] * 9 + [("bona_fide", True)]
    outcomes += [("print", True)] * 4 + [("print", False)]
    outcomes += [("screen", True)] * 2
    rates = error_rates(outcomes)
    assert rates.bpcer == pytest.approx(0.1)
    assert rates.apcer == {"print": pytest.approx(0.2), "screen": 0.0}
    assert rates.counts == {"bona_fide": 10, "print": 5, "screen": 2}
    table = format_table(rates)
    assert "APCER print" in table and "20.0%" in table and "BPCER" in table


def test_needs_bona_fide() -> None:
    with pytest.raises(ValueError, match="bona fide"):
        error_rates([("print", True)])

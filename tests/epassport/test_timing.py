"""How long passive authentication takes on the kiosk (p50 of 100 runs)."""

from __future__ import annotations

import statistics
import time

from openabc.epassport import ChipData, verify_passive
from openabc.epassport.testpki import TestPki
from tests.epassport.conftest import TODAY


def test_verification_p50(good_chip: ChipData, pki: TestPki, printed_mrz: str) -> None:
    trust = pki.trust_list()
    durations = []
    for _ in range(100):
        start = time.perf_counter()
        result = verify_passive(good_chip, trust=trust, printed_mrz=printed_mrz, today=TODAY)
        durations.append(time.perf_counter() - start)
        assert result.ok
    p50 = statistics.median(durations) * 1000
    p95 = statistics.quantiles(durations, n=20)[-1] * 1000
    print(f"passive authentication p50 {p50:.2f} ms, p95 {p95:.2f} ms over 100 runs")
    assert p50 < 50.0  # generous: a refusal must not be slow enough to tempt a bypass

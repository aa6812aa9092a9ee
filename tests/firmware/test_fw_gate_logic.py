"""Gate state machine checks on CPython (the same checks also run on MicroPython)."""

from __future__ import annotations

from collections.abc import Callable

import gate_checks
import pytest

CHECKS: list[tuple[str, Callable[[], None]]] = sorted(
    (n, f) for n, f in vars(gate_checks).items() if n.startswith("test_") and callable(f)
)


@pytest.mark.parametrize(("name", "check"), CHECKS, ids=[n for n, _ in CHECKS])
def test_shared_gate_check(name: str, check: Callable[[], None]) -> None:
    check()

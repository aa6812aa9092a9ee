"""Crossing reports that must reach the matcher, resent until acknowledged.

An EES record is never dropped on a network error: a report stays pending
until the matcher acknowledges it (the matcher deduplicates on the
transaction id, so resending is safe). This queue lives in memory; a durable
journal that survives a kiosk restart comes with issue #7.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass

from openabc.lane.ports import MatcherPort

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Report:
    transaction_id: str
    crossed: bool
    crossed_at: float


class PendingCrossings:
    """Reports not yet acknowledged, oldest first."""

    def __init__(self, matcher: MatcherPort) -> None:
        self._matcher = matcher
        self._reports: OrderedDict[str, _Report] = OrderedDict()

    def __len__(self) -> int:
        return len(self._reports)

    def submit(self, transaction_id: str, *, crossed: bool, crossed_at: float) -> None:
        self._reports[transaction_id] = _Report(transaction_id, crossed, crossed_at)

    def flush(self, *, timeout: float) -> int:
        """Send every pending report; stop at the first failure. Returns how many were acked."""
        acked = 0
        for txn, report in list(self._reports.items()):
            try:
                ack = self._matcher.report_crossing(
                    transaction_id=txn,
                    crossed=report.crossed,
                    crossed_at=report.crossed_at,
                    timeout=timeout,
                )
            except Exception as err:
                logger.warning("crossing report not acknowledged yet: %s", type(err).__name__)
                return acked
            if ack.transaction_id == txn and (ack.recorded or not report.crossed):
                del self._reports[txn]
                acked += 1
            else:
                logger.error("matcher refused crossing report; kept pending")
                return acked
        return acked

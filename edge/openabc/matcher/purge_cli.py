"""``openabc purge``: run the EES retention job once against a matcher store."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from typing import TextIO

from openabc.matcher.db import DatabaseTarget
from openabc.matcher.retention import purge_expired
from openabc.matcher.store import MatcherStore


def run_purge_command(database: DatabaseTarget, stdout: TextIO, *, today: dt.date) -> int:
    """Delete EES data past retention on ``today``; print the counts as JSON."""
    store = MatcherStore(database)
    try:
        summary = purge_expired(store, today)
    finally:
        store.close()
    stdout.write(json.dumps({"today": today.isoformat(), **asdict(summary)}) + "\n")
    return 0

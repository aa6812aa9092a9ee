"""Shared fixtures: the native extractor is built once per session.

`make setup` builds afis's NBIS library; in CI (CI=true) its absence fails the run.
"""

from __future__ import annotations

import os

import pytest

from openabc.fingerprint.extractor import ExtractorUnavailable, MinutiaeExtractor


@pytest.fixture(scope="session")
def extractor() -> MinutiaeExtractor:
    try:
        return MinutiaeExtractor()
    except ExtractorUnavailable as exc:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"afis native library not built: {exc}")

"""Serves the guard-tool API from the matcher process, next to the MQTT service.

Why here: second-step consultations, MID resolutions and refusals must hit
the same store and audit chain as the decisions. The API gets its own store
connection (it runs on uvicorn's threads) and stops with the matcher.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager

import uvicorn

from openabc.config import MatcherSettings
from openabc.matcher.api import create_matcher_api
from openabc.matcher.api_tokens import load_api_tokens
from openabc.matcher.store import MatcherStore

logger = logging.getLogger(__name__)

START_TIMEOUT_S = 10.0


@contextmanager
def serving_api(settings: MatcherSettings) -> Iterator[int | None]:
    """Run the HTTP API while the block runs; yields its port (None when not configured)."""
    if settings.api_port is None:
        yield None
        return
    officers = load_api_tokens(settings.api_tokens)
    with closing(MatcherStore.from_settings(settings)) as store:
        app = create_matcher_api(store, officers=officers)
        config = uvicorn.Config(
            app,
            host=settings.api_host,
            port=settings.api_port,
            log_level="warning",
            access_log=False,  # request lines would carry document queries
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, name="matcher-api", daemon=True)
        thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        if not server.started:
            server.should_exit = True
            raise RuntimeError(
                f"matcher API did not start on {settings.api_host}:{settings.api_port} "
                "(port in use?)"
            )
        logger.info(
            "matcher API on %s:%d (%d tokens)", settings.api_host, settings.api_port, len(officers)
        )
        try:
            yield settings.api_port
        finally:
            server.should_exit = True
            thread.join(timeout=5.0)

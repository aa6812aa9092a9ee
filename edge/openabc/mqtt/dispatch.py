"""Subscription table and the thread that runs message handlers.

Handlers run on a thread of their own, not on paho's network thread, so a
handler may publish and wait for the PUBACK (waiting on the network thread
would deadlock: it is the thread that reads the PUBACK). A handler that
raises is logged (topic only) and the next message is delivered normally.
"""

from __future__ import annotations

import logging
import queue
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from paho.mqtt.client import topic_matches_sub

log = logging.getLogger(__name__)

Handler = Callable[[str, bytes], None]
"""Called with (topic, payload) for every message matching its filter."""


@dataclass(frozen=True)
class Subscription:
    topic_filter: str
    handler: Handler
    qos: int


def _match_filter(topic_filter: str) -> str:
    """The filter messages are matched against (``$share/group/`` removed)."""
    if topic_filter.startswith("$share/"):
        parts = topic_filter.split("/", 2)
        return parts[2] if len(parts) == 3 else ""
    return topic_filter


class Dispatcher:
    """Holds the handlers and calls them, in arrival order, on one thread."""

    def __init__(self, name: str, *, max_queued: int = 10_000) -> None:
        self._name = name
        self._lock = threading.Lock()
        self._subscriptions: dict[str, Subscription] = {}
        # Bounded: when handlers fall behind, paho's thread blocks in submit()
        # and TCP flow control slows the broker down instead of memory growing.
        self._queue: queue.Queue[tuple[str, bytes] | None] = queue.Queue(maxsize=max_queued)
        self._thread: threading.Thread | None = None

    def add(self, topic_filter: str, handler: Handler, qos: int) -> None:
        """Register (or replace: one handler per filter) a subscription."""
        with self._lock:
            self._subscriptions[topic_filter] = Subscription(topic_filter, handler, qos)

    def remove(self, topic_filter: str) -> None:
        with self._lock:
            self._subscriptions.pop(topic_filter, None)

    def subscriptions(self) -> list[Subscription]:
        with self._lock:
            return list(self._subscriptions.values())

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(
            target=self._run, name=f"mqtt-handlers-{self._name}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Deliver what is queued, then end the thread (not joined from itself)."""
        thread = self._thread
        if thread is None:
            return
        self._thread = None
        self._queue.put(None)
        if thread is not threading.current_thread():
            thread.join(timeout)

    def submit(self, topic: str, payload: bytes) -> None:
        """Queue one message; blocks while the queue is full (back-pressure)."""
        if self._thread is None:
            log.debug("handlers stopped, dropping message on %s", topic)
            return
        self._queue.put((topic, payload))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            self._deliver(*item)

    def _deliver(self, topic: str, payload: bytes) -> None:
        for sub in self.subscriptions():
            if not topic_matches_sub(_match_filter(sub.topic_filter), topic):
                continue
            try:
                sub.handler(topic, payload)
            except Exception as err:
                # Type and frames only: the exception's text may quote the
                # payload, which can carry personal data.
                log.error(
                    "handler for %s failed on a message from %s: %s\n%s",
                    sub.topic_filter,
                    topic,
                    type(err).__name__,
                    "".join(traceback.format_tb(err.__traceback__)),
                )

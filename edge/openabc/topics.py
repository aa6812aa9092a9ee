"""Every MQTT topic string in one place, built by functions.

Layout: ``openabc/{region}/...``. A region is served by one pool of matcher
workers; kiosks only ever publish requests and read their own reply topic.
"""

from __future__ import annotations

import re

ROOT = "openabc"
MATCHER_GROUP = "matchers"
_SEGMENT = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def _segment(value: str) -> str:
    """Refuse ids that would inject wildcards or extra levels into a topic."""
    if not _SEGMENT.match(value):
        raise ValueError(f"invalid topic segment: {value!r}")
    return value


def match_requests(region: str) -> str:
    return f"{ROOT}/{_segment(region)}/matcher/request"


def crossing_reports(region: str) -> str:
    return f"{ROOT}/{_segment(region)}/matcher/crossing"


def shared(topic: str, group: str = MATCHER_GROUP) -> str:
    """MQTT v5 shared subscription so several matcher workers split the load."""
    return f"$share/{_segment(group)}/{topic}"


def kiosk_replies(region: str, kiosk_id: str) -> str:
    return f"{ROOT}/{_segment(region)}/kiosk/{_segment(kiosk_id)}/reply"


def kiosk_available(region: str, kiosk_id: str) -> str:
    return f"{ROOT}/{_segment(region)}/kiosk/{_segment(kiosk_id)}/available"


def matcher_available(region: str, worker_id: str) -> str:
    return f"{ROOT}/{_segment(region)}/matcher/{_segment(worker_id)}/available"


def lane_outcomes(region: str, lane_id: str) -> str:
    return f"{ROOT}/{_segment(region)}/lane/{_segment(lane_id)}/outcome"


def all_lane_outcomes(region: str) -> str:
    return f"{ROOT}/{_segment(region)}/lane/+/outcome"


ONLINE = b"online"
OFFLINE = b"offline"

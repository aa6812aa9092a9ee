"""How a kiosk words its requests to the matcher, whatever carries them."""

from __future__ import annotations

from dataclasses import dataclass

from openabc.messages import (
    CrossingReport,
    Direction,
    FaceTemplate,
    FingerprintTemplate,
    MatchRequest,
    TravelDocument,
)


@dataclass(frozen=True)
class KioskAddress:
    """Who is asking, where the answer must go, and which way the lane crosses the border."""

    kiosk_id: str
    lane_id: str
    reply_to: str
    direction: Direction = Direction.ENTRY


def match_request(
    kiosk: KioskAddress,
    *,
    correlation_id: str,
    deadline: float,
    sent_at: float,
    document: TravelDocument,
    live_face: FaceTemplate,
    portrait_face: FaceTemplate,
    fingers: tuple[FingerprintTemplate, ...] = (),
) -> MatchRequest:
    return MatchRequest(
        correlation_id=correlation_id,
        reply_to=kiosk.reply_to,
        deadline=deadline,
        sent_at=sent_at,
        kiosk_id=kiosk.kiosk_id,
        lane_id=kiosk.lane_id,
        direction=kiosk.direction,
        document=document,
        live_face=live_face,
        portrait_face=portrait_face,
        fingers=fingers,
    )


def crossing_report(
    kiosk: KioskAddress,
    *,
    correlation_id: str,
    deadline: float,
    sent_at: float,
    transaction_id: str,
    crossed: bool,
    crossed_at: float,
) -> CrossingReport:
    return CrossingReport(
        correlation_id=correlation_id,
        reply_to=kiosk.reply_to,
        deadline=deadline,
        sent_at=sent_at,
        kiosk_id=kiosk.kiosk_id,
        lane_id=kiosk.lane_id,
        transaction_id=transaction_id,
        crossed=crossed,
        crossed_at=crossed_at,
    )

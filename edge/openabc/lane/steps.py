"""The steps a lane goes through, published so supervisors see where each lane is."""

from enum import StrEnum


class LaneStep(StrEnum):
    IDLE = "idle"
    WAITING_FOR_DOCUMENT = "waiting_for_document"
    CHECKING_DOCUMENT = "checking_document"
    CHECKING_CHIP = "checking_chip"
    CAPTURING_FACE = "capturing_face"
    CAPTURING_FINGERS = "capturing_fingers"
    AWAITING_DECISION = "awaiting_decision"
    OPENING_GATE = "opening_gate"
    TRAVELLER_PASSING = "traveller_passing"
    REFERRED = "referred"

"""The one way a lane step stops processing a traveller: raise ``Referral``."""

from __future__ import annotations


class Referral(Exception):
    """Stop processing this traveller and refer them; ``reasons`` are stable codes.

    Reasons are machine codes for the guard (never shown to the traveller) and
    carry no personal or biometric data, so they may be logged.
    """

    def __init__(self, *reasons: str) -> None:
        super().__init__(", ".join(reasons))
        self.reasons = reasons

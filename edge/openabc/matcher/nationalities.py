"""Which third-country nationalities need ETIAS (visa-exempt) and which need a visa.

A demo subset of the EU visa lists (Regulation (EU) 2018/1806, Annexes I/II),
shared by the matcher and the seed generator so both agree.
"""

from __future__ import annotations

VISA_EXEMPT: frozenset[str] = frozenset(
    {"USA", "GBR", "JPN", "BRA", "CAN", "AUS", "NZL", "KOR", "MEX", "ARG", "SGP", "ISR"}
)
VISA_REQUIRED: frozenset[str] = frozenset(
    {"IND", "CHN", "NGA", "TUR", "EGY", "PAK", "PHL", "VNM", "ZAF", "IDN"}
)


def etias_required(nationality: str) -> bool:
    """Visa-exempt third-country nationals need a valid ETIAS travel authorisation."""
    return nationality.upper() in VISA_EXEMPT

"""ICAO Doc 9303 machine-readable zones: parse, verify and compose."""

from openabc.mrz.checksum import check_digit
from openabc.mrz.compose import compose_td3
from openabc.mrz.parse import parse_mrz
from openabc.mrz.result import MrzFormat, MrzFormatError, MrzResult

__all__ = ["MrzFormat", "MrzFormatError", "MrzResult", "check_digit", "compose_td3", "parse_mrz"]

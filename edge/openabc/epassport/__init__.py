"""ePassport chip data (ICAO 9303 LDS) and passive authentication for the kiosk.

Out of scope for the emulated chip: BAC/PACE access control, active
authentication and chip authentication (the emulated reader hands over the
files directly).
"""

from openabc.epassport.chip import ChipData, chip_from_bytes
from openabc.epassport.dg1 import decode_dg1, encode_dg1
from openabc.epassport.dg2 import decode_dg2, encode_dg2
from openabc.epassport.errors import ChipFormatError
from openabc.epassport.face_record import FaceImage
from openabc.epassport.passive_auth import PassiveAuthResult, verify_passive
from openabc.epassport.sod import ParsedSod, parse_sod
from openabc.epassport.trust import TrustList, trust_list_from_pem

__all__ = [
    "ChipData",
    "ChipFormatError",
    "FaceImage",
    "ParsedSod",
    "PassiveAuthResult",
    "TrustList",
    "chip_from_bytes",
    "decode_dg1",
    "decode_dg2",
    "encode_dg1",
    "encode_dg2",
    "parse_sod",
    "trust_list_from_pem",
    "verify_passive",
]

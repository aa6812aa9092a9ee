"""The files an eMRTD chip serves, and a compact wire form for the emulated reader.

Each LDS file is already a TLV with its own tag (DG1 0x61, DG2 0x75, EF.SOD
0x77), so the concatenation of the three files is self-describing.
"""

from __future__ import annotations

from dataclasses import dataclass

from openabc.epassport.dg1 import DG1_TAG
from openabc.epassport.dg2 import DG2_TAG
from openabc.epassport.errors import ChipFormatError
from openabc.epassport.sod import SOD_TAG
from openabc.epassport.tlv import read_tlv

MAX_CHIP_BYTES = 4 * 1024 * 1024
_FIELDS = {DG1_TAG: "dg1", DG2_TAG: "dg2", SOD_TAG: "sod"}


@dataclass(frozen=True, slots=True, repr=False)
class ChipData:
    """Raw, unverified EF.DG1, EF.DG2 and EF.SOD bytes as read from the chip."""

    dg1: bytes
    dg2: bytes
    sod: bytes

    def __repr__(self) -> str:
        # Never print DG contents: they hold names, numbers and the face.
        return f"ChipData(dg1={len(self.dg1)}B, dg2={len(self.dg2)}B, sod={len(self.sod)}B)"

    def data_groups(self) -> dict[int, bytes]:
        """Data group number -> file bytes, as the SOD hashes them."""
        return {1: self.dg1, 2: self.dg2}

    def to_bytes(self) -> bytes:
        """DG1, DG2 and EF.SOD concatenated."""
        return self.dg1 + self.dg2 + self.sod


def chip_from_bytes(data: bytes) -> ChipData:
    """Split ``ChipData.to_bytes`` output; each file must appear exactly once."""
    if len(data) > MAX_CHIP_BYTES:
        raise ChipFormatError(f"chip image larger than {MAX_CHIP_BYTES} bytes")
    files: dict[str, bytes] = {}
    offset = 0
    while offset < len(data):
        tag, _, end = read_tlv(data, offset)
        name = _FIELDS.get(tag)
        if name is None or name in files:
            raise ChipFormatError(f"unexpected or repeated chip file tag {tag:#x}")
        files[name] = data[offset:end]
        offset = end
    if len(files) != len(_FIELDS):
        raise ChipFormatError("chip image lacks DG1, DG2 or EF.SOD")
    return ChipData(dg1=files["dg1"], dg2=files["dg2"], sod=files["sod"])

"""What kind of chip an emulated passport carries (genuine, or one attack).

Plain data, no crypto: shared by the seed population model, the emulator and
scenario tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

from pydantic import BaseModel, ConfigDict

SignerName = Literal["good", "expired", "revoked", "untrusted"]
Tamper = Literal["none", "dg1", "dg2"]


class ChipProfile(BaseModel):
    """How the emulator personalises a traveller's chip; the default is genuine.

    ``signer`` picks a Document Signer of the test PKI, ``tamper`` alters the
    chip the way a forger would, and ``present=False`` means no chip answers.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    signer: SignerName = "good"
    tamper: Tamper = "none"
    present: bool = True

    @property
    def genuine(self) -> bool:
        """A present, untampered chip signed by the current trusted signer."""
        return self == GENUINE


GENUINE = ChipProfile()

CHIP_ATTACKS: Mapping[str, tuple[ChipProfile, tuple[str, ...]]] = MappingProxyType(
    {
        "tampered_dg2": (ChipProfile(tamper="dg2"), ("dg_hash_mismatch:DG2",)),
        "dg1_mrz_mismatch": (ChipProfile(tamper="dg1"), ("dg1_mrz_mismatch",)),
        "unknown_csca": (ChipProfile(signer="untrusted"), ("ds_not_trusted",)),
        "expired_signer": (ChipProfile(signer="expired"), ("ds_expired",)),
        "revoked_signer": (ChipProfile(signer="revoked"), ("ds_revoked",)),
        "no_chip": (ChipProfile(present=False), ("chip_missing",)),
    }
)
"""Scenario name -> (chip to serve, exact referral reasons of a lane that requires chips).

For HIL and demo scenarios: give any genuine traveller one of these chips
with ``traveller.model_copy(update={"chip": profile})``.
"""

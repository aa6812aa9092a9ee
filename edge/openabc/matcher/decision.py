"""Pure decision rule: check outcomes in, ACCEPT or REFER with every reason out.

ACCEPT needs every required check present and good; anything missing,
unavailable or unexpected is a referral, so an error can never open a gate.
Which checks are required depends on the direction (no ETIAS or VIS on
exit) and on the traveller's regime (ETIAS for visa-exempt nationals, VIS
for everyone else).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum

from openabc.matcher.checks import Check
from openabc.matcher.stay import MAX_DAYS
from openabc.messages import CheckOutcome, Decision, Direction, Reason, StaySummary

_GOOD: dict[Check, CheckOutcome] = {
    Check.TEMPLATE_MODEL: CheckOutcome.PASS,
    Check.FACE_VERIFY: CheckOutcome.PASS,
    Check.CIR_IDENTITY: CheckOutcome.PASS,
    Check.SIS: CheckOutcome.NO_HIT,
    Check.SLTD: CheckOutcome.NO_HIT,
    Check.ETIAS: CheckOutcome.PASS,
    Check.VIS: CheckOutcome.PASS,
    Check.EES: CheckOutcome.PASS,
    Check.DOCUMENT: CheckOutcome.PASS,
}

_BAD: dict[tuple[Check, CheckOutcome], Reason] = {
    (Check.TEMPLATE_MODEL, CheckOutcome.FAIL): Reason.TEMPLATE_MODEL_MISMATCH,
    (Check.FACE_VERIFY, CheckOutcome.FAIL): Reason.FACE_MISMATCH,
    (Check.CIR_IDENTITY, CheckOutcome.FAIL): Reason.MID_YELLOW,
    (Check.SIS, CheckOutcome.HIT): Reason.SIS_HIT,
    (Check.SLTD, CheckOutcome.HIT): Reason.SLTD_HIT,
    (Check.ETIAS, CheckOutcome.NO_HIT): Reason.ETIAS_ABSENT,
    (Check.ETIAS, CheckOutcome.FAIL): Reason.ETIAS_INVALID,
    (Check.VIS, CheckOutcome.NO_HIT): Reason.VISA_ABSENT,
    (Check.VIS, CheckOutcome.FAIL): Reason.VISA_INVALID,
    (Check.EES, CheckOutcome.FAIL): Reason.OVERSTAY_RISK,
    (Check.DOCUMENT, CheckOutcome.FAIL): Reason.DOCUMENT_EXPIRED,
}

_ORDER = list(Reason)


class Regime(StrEnum):
    """What a third-country national needs to enter: ETIAS (visa-exempt) or a visa."""

    ETIAS = "etias"
    VISA = "visa"


def required_checks(
    *, direction: Direction, regime: Regime, templates_usable: bool
) -> frozenset[Check]:
    """Checks that must be present for an ACCEPT to be possible."""
    required = set(Check)
    if direction is Direction.EXIT:
        required -= {Check.ETIAS, Check.VIS}
    else:
        required.discard(Check.VIS if regime is Regime.ETIAS else Check.ETIAS)
    if not templates_usable:
        required -= {Check.FACE_VERIFY, Check.CIR_IDENTITY}
    return frozenset(required)


def decide(
    checks: Mapping[Check, CheckOutcome],
    *,
    direction: Direction = Direction.ENTRY,
    regime: Regime,
    stay: StaySummary | None = None,
    refined: Mapping[Check, Reason] | None = None,
    fingers: CheckOutcome | None = None,
    finger_reason: Reason = Reason.FINGER_MISMATCH,
    biometric: CheckOutcome | None = None,
    biometric_reasons: Sequence[Reason] = (),
) -> tuple[Decision, tuple[Reason, ...]]:
    """Map outcomes to reasons (sorted in ``Reason`` order); ACCEPT only with none.

    ``refined`` gives a more precise reason for a known bad outcome (visa
    entries exhausted, mid_red); it can never turn a bad outcome good.
    Outcomes of checks the crossing does not need are ignored.

    ``fingers`` is the finger verification (``matcher.fingers``), kept out of
    ``Check`` because it is optional: None means not compared (no fingers
    sent, or none enrolled yet: face-only, as before fingers existed). FAIL
    adds ``finger_reason`` (finger_mismatch, or invalid_request for a
    malformed template); any other outcome is an error and refers.

    ``biometric`` is the sBMS-fused 1:1 (``matcher.sbms.verify``). When given
    it replaces ``face_verify`` as the required biometric check (face_verify
    is then the per-modality figure for the guard: fingers may rescue a weak
    face) and already contains the fingers (pass ``fingers`` None): PASS adds
    nothing, FAIL adds ``biometric_reasons`` (face_mismatch if none), any
    other outcome refers as unavailable.
    """
    reasons: set[Reason] = set()
    templates_usable = checks.get(Check.TEMPLATE_MODEL) == CheckOutcome.PASS
    required = required_checks(
        direction=direction, regime=regime, templates_usable=templates_usable
    )
    if biometric is not None:
        required -= {Check.FACE_VERIFY}
        if biometric is CheckOutcome.FAIL:
            reasons.update(biometric_reasons or (Reason.FACE_MISMATCH,))
        elif biometric is not CheckOutcome.PASS:
            reasons.add(Reason.SYSTEM_UNAVAILABLE)
    for name in required:
        if name not in checks:
            reasons.add(Reason.SYSTEM_UNAVAILABLE)
    for name, outcome in checks.items():
        if name not in required or outcome == _GOOD[name]:
            continue
        reason = _BAD.get((name, outcome), Reason.SYSTEM_UNAVAILABLE)
        if reason is not Reason.SYSTEM_UNAVAILABLE and refined and name in refined:
            reason = refined[name]
        if direction is Direction.EXIT and reason is Reason.OVERSTAY_RISK:
            reason = Reason.OVERSTAY_AT_EXIT
        reasons.add(reason)
    if fingers is CheckOutcome.FAIL:
        reasons.add(finger_reason)
    elif fingers is not None and fingers is not CheckOutcome.PASS:
        reasons.add(Reason.SYSTEM_UNAVAILABLE)
    if direction is Direction.ENTRY and stay is not None and stay.days_used > MAX_DAYS:
        reasons.add(Reason.STAY_LIMIT_EXCEEDED)
    ordered = tuple(sorted(reasons, key=_ORDER.index))
    return (Decision.ACCEPT if not ordered else Decision.REFER), ordered

"""Pure decision rule: check outcomes in, ACCEPT or REFER with every reason out.

ACCEPT needs every required check present and good; anything missing,
unavailable or unexpected is a referral, so an error can never open a gate.
"""

from __future__ import annotations

from collections.abc import Mapping

from openabc.matcher.checks import Check
from openabc.matcher.stay import MAX_DAYS
from openabc.messages import CheckOutcome, Decision, Reason, StaySummary

_GOOD: dict[Check, CheckOutcome] = {
    Check.TEMPLATE_MODEL: CheckOutcome.PASS,
    Check.FACE_VERIFY: CheckOutcome.PASS,
    Check.CIR_IDENTITY: CheckOutcome.PASS,
    Check.SIS: CheckOutcome.NO_HIT,
    Check.SLTD: CheckOutcome.NO_HIT,
    Check.ETIAS: CheckOutcome.PASS,
    Check.EES: CheckOutcome.PASS,
    Check.DOCUMENT: CheckOutcome.PASS,
}

_BAD: dict[tuple[Check, CheckOutcome], Reason] = {
    (Check.TEMPLATE_MODEL, CheckOutcome.FAIL): Reason.TEMPLATE_MODEL_MISMATCH,
    (Check.FACE_VERIFY, CheckOutcome.FAIL): Reason.FACE_MISMATCH,
    (Check.CIR_IDENTITY, CheckOutcome.FAIL): Reason.IDENTITY_CONFLICT,
    (Check.SIS, CheckOutcome.HIT): Reason.SIS_HIT,
    (Check.SLTD, CheckOutcome.HIT): Reason.SLTD_HIT,
    (Check.ETIAS, CheckOutcome.NO_HIT): Reason.ETIAS_ABSENT,
    (Check.ETIAS, CheckOutcome.FAIL): Reason.ETIAS_INVALID,
    (Check.EES, CheckOutcome.FAIL): Reason.OVERSTAY_RISK,
    (Check.DOCUMENT, CheckOutcome.FAIL): Reason.DOCUMENT_EXPIRED,
}

_ORDER = list(Reason)


def required_checks(*, etias_required: bool, templates_usable: bool) -> frozenset[Check]:
    """Checks that must be present for an ACCEPT to be possible."""
    required = set(Check)
    if not etias_required:
        required.discard(Check.ETIAS)
    if not templates_usable:
        required -= {Check.FACE_VERIFY, Check.CIR_IDENTITY}
    return frozenset(required)


def decide(
    checks: Mapping[Check, CheckOutcome], *, etias_required: bool, stay: StaySummary | None = None
) -> tuple[Decision, tuple[Reason, ...]]:
    """Map outcomes to reasons (sorted in ``Reason`` order); ACCEPT only with none."""
    reasons: set[Reason] = set()
    templates_usable = checks.get(Check.TEMPLATE_MODEL) == CheckOutcome.PASS
    for name in required_checks(etias_required=etias_required, templates_usable=templates_usable):
        if name not in checks:
            reasons.add(Reason.SYSTEM_UNAVAILABLE)
    for name, outcome in checks.items():
        if name == Check.ETIAS and not etias_required:
            continue
        if outcome == _GOOD[name]:
            continue
        reasons.add(_BAD.get((name, outcome), Reason.SYSTEM_UNAVAILABLE))
    if not etias_required:
        # Not visa-exempt: entry needs a VIS check, which this matcher cannot do yet.
        reasons.add(Reason.VISA_CHECK_REQUIRED)
    if stay is not None and stay.days_used > MAX_DAYS:
        reasons.add(Reason.STAY_LIMIT_EXCEEDED)
    ordered = tuple(sorted(reasons, key=_ORDER.index))
    return (Decision.ACCEPT if not ordered else Decision.REFER), ordered

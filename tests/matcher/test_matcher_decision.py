"""Decision table: every reason, and never ACCEPT on an error or a gap."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openabc.matcher.checks import Check
from openabc.matcher.decision import Regime, decide
from openabc.messages import CheckOutcome, Decision, Direction, Reason, StaySummary

Out = CheckOutcome
GOOD: dict[Check, CheckOutcome] = {
    Check.TEMPLATE_MODEL: Out.PASS,
    Check.FACE_VERIFY: Out.PASS,
    Check.CIR_IDENTITY: Out.PASS,
    Check.SIS: Out.NO_HIT,
    Check.SLTD: Out.NO_HIT,
    Check.ETIAS: Out.PASS,
    Check.EES: Out.PASS,
    Check.DOCUMENT: Out.PASS,
    Check.VIS: Out.PASS,
}
ETIAS, VISA = Regime.ETIAS, Regime.VISA


def with_(**changes: CheckOutcome) -> dict[Check, CheckOutcome]:
    checks = dict(GOOD)
    checks.update({Check(k): v for k, v in changes.items()})
    return checks


def test_all_good_is_accept() -> None:
    assert decide(GOOD, regime=ETIAS) == (Decision.ACCEPT, ())


@pytest.mark.parametrize(
    ("check", "outcome", "reason"),
    [
        ("face_verify", Out.FAIL, Reason.FACE_MISMATCH),
        ("cir_identity", Out.FAIL, Reason.MID_YELLOW),
        ("sis", Out.HIT, Reason.SIS_HIT),
        ("sltd", Out.HIT, Reason.SLTD_HIT),
        ("etias", Out.NO_HIT, Reason.ETIAS_ABSENT),
        ("etias", Out.FAIL, Reason.ETIAS_INVALID),
        ("ees", Out.FAIL, Reason.OVERSTAY_RISK),
        ("document", Out.FAIL, Reason.DOCUMENT_EXPIRED),
        ("sis", Out.UNAVAILABLE, Reason.SYSTEM_UNAVAILABLE),
        ("ees", Out.UNAVAILABLE, Reason.SYSTEM_UNAVAILABLE),
        ("cir_identity", Out.UNAVAILABLE, Reason.SYSTEM_UNAVAILABLE),
        ("sltd", Out.PASS, Reason.SYSTEM_UNAVAILABLE),  # unexpected outcome: refer
    ],
)
def test_each_bad_outcome_gives_its_reason(
    check: str, outcome: CheckOutcome, reason: Reason
) -> None:
    assert decide(with_(**{check: outcome}), regime=ETIAS) == (Decision.REFER, (reason,))


def test_template_model_mismatch_without_face_checks() -> None:
    checks = with_(template_model=Out.FAIL)
    del checks[Check.FACE_VERIFY], checks[Check.CIR_IDENTITY]
    assert decide(checks, regime=ETIAS) == (
        Decision.REFER,
        (Reason.TEMPLATE_MODEL_MISMATCH,),
    )


NOT_REQUIRED = {ETIAS: Check.VIS, VISA: Check.ETIAS}


@pytest.mark.parametrize(
    ("missing", "regime"),
    [(check, regime) for regime in Regime for check in Check if check != NOT_REQUIRED[regime]],
)
def test_a_missing_required_check_never_accepts(missing: Check, regime: Regime) -> None:
    checks = dict(GOOD)
    del checks[missing]
    decision, reasons = decide(checks, regime=regime)
    assert decision == Decision.REFER
    assert Reason.SYSTEM_UNAVAILABLE in reasons


def test_visa_required_nationals_need_vis_not_etias() -> None:
    checks = with_(etias=Out.NO_HIT)
    del checks[Check.VIS]
    assert decide(checks, regime=VISA) == (Decision.REFER, (Reason.SYSTEM_UNAVAILABLE,))
    checks[Check.VIS] = Out.PASS
    assert decide(checks, regime=VISA) == (Decision.ACCEPT, ())
    del checks[Check.ETIAS]
    assert decide(checks, regime=VISA) == (Decision.ACCEPT, ())


@pytest.mark.parametrize(
    ("outcome", "refined", "reason"),
    [
        (Out.NO_HIT, None, Reason.VISA_ABSENT),
        (Out.FAIL, None, Reason.VISA_INVALID),
        (Out.FAIL, Reason.VISA_ENTRIES_EXHAUSTED, Reason.VISA_ENTRIES_EXHAUSTED),
        (Out.UNAVAILABLE, Reason.VISA_ENTRIES_EXHAUSTED, Reason.SYSTEM_UNAVAILABLE),
        (Out.HIT, None, Reason.SYSTEM_UNAVAILABLE),
    ],
)
def test_vis_reasons(outcome: CheckOutcome, refined: Reason | None, reason: Reason) -> None:
    checks = with_(vis=outcome)
    extra = {} if refined is None else {Check.VIS: refined}
    assert decide(checks, regime=VISA, refined=extra) == (Decision.REFER, (reason,))


def test_a_refined_reason_never_makes_a_good_outcome_bad_or_vice_versa() -> None:
    refined = {Check.VIS: Reason.VISA_ENTRIES_EXHAUSTED, Check.SIS: Reason.MID_RED}
    assert decide(with_(vis=Out.PASS), regime=VISA, refined=refined) == (Decision.ACCEPT, ())


def test_mid_red_refines_a_failed_identity_check() -> None:
    refined = {Check.CIR_IDENTITY: Reason.MID_RED}
    assert decide(with_(cir_identity=Out.FAIL), regime=ETIAS, refined=refined) == (
        Decision.REFER,
        (Reason.MID_RED,),
    )


def test_exit_needs_no_etias_or_vis_and_reports_overstay_at_exit() -> None:
    checks = dict(GOOD)
    del checks[Check.ETIAS]
    exit_ = Direction.EXIT
    assert decide(checks, direction=exit_, regime=VISA) == (Decision.ACCEPT, ())
    checks[Check.ETIAS] = Out.NO_HIT  # consulted or not, it does not matter on exit
    assert decide(checks, direction=exit_, regime=ETIAS) == (Decision.ACCEPT, ())
    checks[Check.EES] = Out.FAIL
    assert decide(checks, direction=exit_, regime=ETIAS) == (
        Decision.REFER,
        (Reason.OVERSTAY_AT_EXIT,),
    )
    del checks[Check.SIS]
    assert Reason.SYSTEM_UNAVAILABLE in decide(checks, direction=exit_, regime=ETIAS)[1]


def test_every_reason_is_reported_in_reason_order() -> None:
    checks = with_(sis=Out.HIT, face_verify=Out.FAIL, etias=Out.NO_HIT, document=Out.FAIL)
    assert decide(checks, regime=ETIAS) == (
        Decision.REFER,
        (Reason.FACE_MISMATCH, Reason.SIS_HIT, Reason.ETIAS_ABSENT, Reason.DOCUMENT_EXPIRED),
    )


def test_stay_already_over_the_limit() -> None:
    stay = StaySummary(
        on_date=dt.date(2025, 1, 1),
        days_used=95,
        days_remaining=0,
        latest_exit=dt.date(2024, 12, 31),
    )
    assert decide(with_(ees=Out.FAIL), regime=ETIAS, stay=stay) == (
        Decision.REFER,
        (Reason.OVERSTAY_RISK, Reason.STAY_LIMIT_EXCEEDED),
    )


@given(
    st.dictionaries(st.sampled_from(list(Check)), st.sampled_from(list(CheckOutcome))),
    st.booleans(),
    st.sampled_from(list(Direction)),
)
def test_accept_only_when_complete_and_all_good(
    checks: dict[Check, CheckOutcome], etias_required: bool, direction: Direction
) -> None:
    regime = ETIAS if etias_required else VISA
    decision, reasons = decide(checks, regime=regime, direction=direction)
    skip = {Check.ETIAS, Check.VIS} if direction is Direction.EXIT else {Check.ETIAS}
    if direction is Direction.ENTRY and etias_required:
        skip = {Check.VIS}
    required = [c for c in Check if c not in skip]
    all_good = all(checks.get(c) == GOOD[c] for c in required)
    assert (decision == Decision.ACCEPT) == all_good
    assert (decision == Decision.ACCEPT) == (reasons == ())
    if any(o == Out.UNAVAILABLE for c, o in checks.items() if c in required):
        assert Reason.SYSTEM_UNAVAILABLE in reasons

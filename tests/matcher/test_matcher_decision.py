"""Decision table: every reason, and never ACCEPT on an error or a gap."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openabc.matcher.checks import Check
from openabc.matcher.decision import decide
from openabc.messages import CheckOutcome, Decision, Reason, StaySummary

Out = CheckOutcome
GOOD = {
    Check.TEMPLATE_MODEL: Out.PASS,
    Check.FACE_VERIFY: Out.PASS,
    Check.CIR_IDENTITY: Out.PASS,
    Check.SIS: Out.NO_HIT,
    Check.SLTD: Out.NO_HIT,
    Check.ETIAS: Out.PASS,
    Check.EES: Out.PASS,
    Check.DOCUMENT: Out.PASS,
}


def with_(**changes: CheckOutcome) -> dict[Check, CheckOutcome]:
    checks = dict(GOOD)
    checks.update({Check(k): v for k, v in changes.items()})
    return checks


def test_all_good_is_accept() -> None:
    assert decide(GOOD, etias_required=True) == (Decision.ACCEPT, ())


@pytest.mark.parametrize(
    ("check", "outcome", "reason"),
    [
        ("face_verify", Out.FAIL, Reason.FACE_MISMATCH),
        ("cir_identity", Out.FAIL, Reason.IDENTITY_CONFLICT),
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
    assert decide(with_(**{check: outcome}), etias_required=True) == (Decision.REFER, (reason,))


def test_template_model_mismatch_without_face_checks() -> None:
    checks = with_(template_model=Out.FAIL)
    del checks[Check.FACE_VERIFY], checks[Check.CIR_IDENTITY]
    assert decide(checks, etias_required=True) == (
        Decision.REFER,
        (Reason.TEMPLATE_MODEL_MISMATCH,),
    )


@pytest.mark.parametrize("missing", list(Check))
def test_a_missing_required_check_never_accepts(missing: Check) -> None:
    checks = dict(GOOD)
    del checks[missing]
    decision, reasons = decide(checks, etias_required=True)
    assert decision == Decision.REFER
    assert Reason.SYSTEM_UNAVAILABLE in reasons


def test_visa_required_nationals_are_referred_until_vis_is_checked() -> None:
    """ETIAS does not apply to them, and without a VIS check there is no ACCEPT."""
    checks = with_(etias=Out.NO_HIT)
    expected = (Decision.REFER, (Reason.VISA_CHECK_REQUIRED,))
    assert decide(checks, etias_required=False) == expected
    del checks[Check.ETIAS]
    assert decide(checks, etias_required=False) == expected


def test_every_reason_is_reported_in_reason_order() -> None:
    checks = with_(sis=Out.HIT, face_verify=Out.FAIL, etias=Out.NO_HIT, document=Out.FAIL)
    assert decide(checks, etias_required=True) == (
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
    assert decide(with_(ees=Out.FAIL), etias_required=True, stay=stay) == (
        Decision.REFER,
        (Reason.OVERSTAY_RISK, Reason.STAY_LIMIT_EXCEEDED),
    )


@given(
    st.dictionaries(st.sampled_from(list(Check)), st.sampled_from(list(CheckOutcome))),
    st.booleans(),
)
def test_accept_only_when_complete_and_all_good(
    checks: dict[Check, CheckOutcome], etias_required: bool
) -> None:
    decision, reasons = decide(checks, etias_required=etias_required)
    required = [c for c in Check if etias_required or c != Check.ETIAS]
    all_good = all(checks.get(c) == GOOD[c] for c in required)
    assert (decision == Decision.ACCEPT) == all_good
    assert (decision == Decision.ACCEPT) == (reasons == ())
    if any(o == Out.UNAVAILABLE for c, o in checks.items() if c in required):
        assert Reason.SYSTEM_UNAVAILABLE in reasons

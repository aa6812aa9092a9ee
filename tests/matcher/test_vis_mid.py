"""VIS for visa-required nationals and MID links, through the matcher service."""

from __future__ import annotations

import datetime as dt

import pytest
from matcher_fixtures import NOW, Seeded, make_crossing, make_request

from openabc.matcher.mid import LinkError, LinkStatus, MultipleIdentityDetector
from openabc.matcher.vis import Visa, add_visa
from openabc.messages import Decision, Reason, TravelDocument

TODAY = NOW.date()


def visitor(number: str = "VI0000001", surname: str = "VISA") -> TravelDocument:
    return TravelDocument(
        document_type="P",
        issuing_state="IND",
        document_number=number,
        nationality="IND",
        birth_date=dt.date(1985, 3, 3),
        expiry_date=dt.date(2034, 1, 1),
        sex="M",
        surname=surname,
        given_names="HOLDER",
    )


def give_visa(seeded: Seeded, visa: Visa, number: str = "VI0000001") -> None:
    with seeded.store.transaction():
        add_visa(seeded.store, "IND", number, visa)


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


@pytest.mark.parametrize(
    ("visa", "reason"),
    [
        (None, Reason.VISA_ABSENT),
        (Visa("v-1", days(-400), days(-1), 2), Reason.VISA_INVALID),
        (Visa("v-1", days(1), days(90), 2), Reason.VISA_INVALID),
        (Visa("v-1", days(-10), days(80), 1, 1), Reason.VISA_ENTRIES_EXHAUSTED),
    ],
)
def test_visa_problems_are_referred(seeded: Seeded, visa: Visa | None, reason: Reason) -> None:
    if visa is not None:
        give_visa(seeded, visa)
    out = seeded.service.handle_match(make_request(visitor(), "vis.jpg", "vis2.jpg"), NOW)
    assert (out.decision, out.reasons) == (Decision.REFER, (reason,))
    assert "etias" not in out.checks


def test_an_entry_uses_one_visa_entry(seeded: Seeded) -> None:
    give_visa(seeded, Visa("v-2", days(-10), days(80), 2, 1))
    first = seeded.service.handle_match(make_request(visitor(), "vis.jpg", "vis2.jpg"), NOW)
    assert (first.decision, first.checks["vis"]) == (Decision.ACCEPT, "pass")
    assert seeded.service.handle_crossing(make_crossing(first.transaction_id)).recorded
    used = seeded.store.query("SELECT entries_used FROM visas WHERE visa_id='v-2'")
    assert used == [(2,)]
    seeded.service.handle_crossing(make_crossing(first.transaction_id))  # resend: no double use
    assert seeded.store.query("SELECT entries_used FROM visas WHERE visa_id='v-2'") == [(2,)]
    again = seeded.service.handle_match(make_request(visitor(), "vis.jpg", "vis2.jpg"), NOW)
    assert again.reasons == (Reason.VISA_ENTRIES_EXHAUSTED,)


def test_multiple_entry_visa_never_runs_out(seeded: Seeded) -> None:
    give_visa(seeded, Visa("v-3", days(-10), days(80), None, 40))
    out = seeded.service.handle_match(make_request(visitor(), "vis.jpg", "vis2.jpg"), NOW)
    assert out.decision == Decision.ACCEPT


def _impostor(seeded: Seeded) -> TravelDocument:
    """The eligible traveller's face presented with a new passport under another name."""
    with seeded.store.transaction():
        seeded.store.set_etias("USA", "MI0000001", "valid", days(300))
    doc = seeded.population.by_archetype("eligible").document
    return doc.model_copy(update={"document_number": "MI0000001", "surname": "OTHERNAME"})


def test_same_face_other_identity_gives_one_yellow_link(seeded: Seeded) -> None:
    mid = MultipleIdentityDetector(seeded.store)
    doc = _impostor(seeded)
    for _ in range(2):
        out = seeded.service.handle_match(make_request(doc, "obama2.jpg", "obama.jpg"), NOW)
        assert (out.decision, out.reasons) == (Decision.REFER, (Reason.MID_YELLOW,))
    links = mid.mid_links()
    assert len(links) == 1
    link = links[0]
    assert link.status is LinkStatus.YELLOW
    assert link.person_id == seeded.population.by_archetype("eligible").person_id
    assert link.claimed["surname"] == "OTHERNAME"
    assert mid.mid_links(LinkStatus.GREEN) == []


def test_same_identity_on_a_new_document_gives_a_white_link(seeded: Seeded) -> None:
    with seeded.store.transaction():
        seeded.store.set_etias("USA", "MI0000002", "valid", days(300))
    doc = seeded.population.by_archetype("eligible").document
    renewed = doc.model_copy(update={"document_number": "MI0000002"})
    out = seeded.service.handle_match(make_request(renewed, "obama2.jpg", "obama.jpg"), NOW)
    assert out.decision == Decision.ACCEPT
    assert [link.status for link in MultipleIdentityDetector(seeded.store).mid_links()] == [
        LinkStatus.WHITE
    ]


@pytest.mark.parametrize(
    ("outcome", "decision", "reasons"),
    [
        (LinkStatus.GREEN, Decision.ACCEPT, ()),
        (LinkStatus.RED, Decision.REFER, (Reason.MID_RED,)),
    ],
)
def test_guard_verification_resolves_yellow(
    seeded: Seeded, outcome: LinkStatus, decision: Decision, reasons: tuple[Reason, ...]
) -> None:
    mid = MultipleIdentityDetector(seeded.store)
    doc = _impostor(seeded)
    seeded.service.handle_match(make_request(doc, "obama2.jpg", "obama.jpg"), NOW)
    (link,) = mid.mid_links(LinkStatus.YELLOW)
    with pytest.raises(LinkError, match="justification"):
        mid.resolve_link(link.link_id, outcome, "officer-3", "  short ", at=NOW.timestamp())
    with pytest.raises(LinkError, match="red or green"):
        mid.resolve_link(link.link_id, LinkStatus.WHITE, "officer-3", "x" * 30, at=1.0)
    resolved = mid.resolve_link(
        link.link_id, outcome, "officer-3", "compared documents and interview", at=NOW.timestamp()
    )
    assert (resolved.status, resolved.resolved_by) == (outcome, "officer-3")
    assert resolved.justification == "compared documents and interview"
    with pytest.raises(LinkError, match="no yellow link"):
        mid.resolve_link(link.link_id, outcome, "officer-3", "x" * 30, at=1.0)
    audit = seeded.store.query("SELECT request_id, kiosk_id, system, purpose, outcome FROM audit")
    assert (link.link_id, "officer-3", "mid", "manual_verification", outcome.value) in audit
    out = seeded.service.handle_match(make_request(doc, "obama2.jpg", "obama.jpg"), NOW)
    assert (out.decision, out.reasons) == (decision, reasons)

"""Portal, second step and MID links over HTTP (FastAPI TestClient on a seeded store)."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from matcher_fixtures import NOW, Seeded, make_request

from openabc.matcher.api import create_matcher_api
from openabc.matcher.portal import Caller, Profile

GUARD = {"Authorization": "Bearer guard-token-1"}
KIOSK = {"Authorization": "Bearer kiosk-token-1"}
WHY = "traveller referred at lane 3 for SIS hit, verifying alert"


@pytest.fixture()
def client(seeded: Seeded) -> TestClient:
    officers = {
        "guard-token-1": Caller("officer-12", Profile.BORDER_GUARD),
        "kiosk-token-1": Caller("kiosk-1", Profile.KIOSK),
    }
    return TestClient(create_matcher_api(seeded.store, officers=officers, clock=NOW.timestamp))


def doc_json(seeded: Seeded, archetype: str) -> dict[str, object]:
    return seeded.population.by_archetype(archetype).document.model_dump(mode="json")


def audit(seeded: Seeded) -> list[tuple[object, ...]]:
    return seeded.store.query("SELECT kiosk_id, system, purpose, outcome FROM audit ORDER BY seq")


def test_kiosk_search_is_hit_no_hit_over_its_systems(seeded: Seeded, client: TestClient) -> None:
    r = client.post("/portal/search", json=doc_json(seeded, "sis_hit"), headers=KIOSK)
    assert r.status_code == 200
    assert r.json() == {
        "ees": "no_hit",
        "etias": "hit",
        "sis": "hit",
        "sltd": "no_hit",
        "vis": "no_hit",
    }
    r = client.post("/portal/search", json=doc_json(seeded, "eligible"), headers=GUARD)
    assert r.json()["ees"] == "hit" and r.json()["mid"] == "no_hit"
    assert ("kiosk-1", "sis", "portal_search", "hit") in audit(seeded)


def test_second_step_gives_one_full_record_and_is_logged(
    seeded: Seeded, client: TestClient
) -> None:
    body = {"system": "ees", "document": doc_json(seeded, "eligible"), "justification": WHY}
    r = client.post("/portal/consult", json=body, headers=GUARD)
    assert r.status_code == 200
    record = r.json()
    assert record["system"] == "ees" and len(record["movements"]) == 4
    assert "etias" not in record and "alerts" not in record
    rows = seeded.store.query("SELECT officer_id, system, justification FROM consultations")
    assert rows == [("officer-12", "ees", WHY)]
    last = audit(seeded)[-1]
    assert last[:2] == ("officer-12", "ees") and str(last[2]).startswith("second_step")
    sis = {"system": "sis", "document": doc_json(seeded, "sis_hit"), "justification": WHY}
    assert len(client.post("/portal/consult", json=sis, headers=GUARD).json()["alerts"]) == 1


@pytest.mark.parametrize("justification", [None, "", "too short", " " * 40])
def test_second_step_without_justification_is_refused(
    seeded: Seeded, client: TestClient, justification: str | None
) -> None:
    body: dict[str, object] = {"system": "sis", "document": doc_json(seeded, "sis_hit")}
    if justification is not None:
        body["justification"] = justification
    r = client.post("/portal/consult", json=body, headers=GUARD)
    assert r.status_code in (400, 422)
    assert "justification" in r.text
    assert seeded.store.query("SELECT COUNT(*) FROM consultations") == [(0,)]


def test_second_step_needs_the_guard_profile_and_a_token(
    seeded: Seeded, client: TestClient
) -> None:
    body = {"system": "sis", "document": doc_json(seeded, "sis_hit"), "justification": WHY}
    assert client.post("/portal/consult", json=body, headers=KIOSK).status_code == 403
    assert client.post("/portal/consult", json=body).status_code == 401
    bad = {"Authorization": "Bearer nope"}
    assert client.post("/portal/consult", json=body, headers=bad).status_code == 401
    assert client.get("/mid/links", headers=KIOSK).status_code == 403
    assert client.get("/mid/links").status_code == 401


def test_no_officers_means_no_access(seeded: Seeded) -> None:
    empty = TestClient(create_matcher_api(seeded.store, officers={}))
    assert empty.get("/mid/links", headers=GUARD).status_code == 401


def test_mid_links_listed_and_resolved(seeded: Seeded, client: TestClient) -> None:
    with seeded.store.transaction():
        seeded.store.set_etias("USA", "MI0000009", "valid", dt.date(2030, 1, 1))
    doc = seeded.population.by_archetype("eligible").document
    other = doc.model_copy(update={"document_number": "MI0000009", "surname": "ELSE"})
    seeded.service.handle_match(make_request(other, "obama2.jpg", "obama.jpg"), NOW)
    links = client.get("/mid/links", params={"status": "yellow"}, headers=GUARD).json()
    assert [link["status"] for link in links] == ["yellow"]
    link_id = links[0]["link_id"]
    url = f"/mid/links/{link_id}/resolve"
    assert client.post(url, json={"outcome": "red"}, headers=GUARD).status_code == 422
    assert (
        client.post(url, json={"outcome": "white", "justification": WHY}, headers=GUARD).status_code
        == 422
    )
    r = client.post(url, json={"outcome": "red", "justification": WHY}, headers=GUARD)
    assert r.status_code == 200 and r.json()["resolved_by"] == "officer-12"
    assert (
        client.post(url, json={"outcome": "red", "justification": WHY}, headers=GUARD).status_code
        == 409
    )
    assert client.get("/mid/links", params={"status": "yellow"}, headers=GUARD).json() == []
    assert len(client.get("/mid/links", headers=GUARD).json()) == 1


def test_guard_records_a_refusal_of_entry(seeded: Seeded, client: TestClient) -> None:
    body = {
        "document": doc_json(seeded, "sis_hit"),
        "on_date": "2026-11-27",
        "reasons": ["sis_hit"],
    }
    r = client.post("/ees/refusals", json=body, headers=GUARD)
    assert r.status_code == 201
    assert client.post("/ees/refusals", json=body, headers=KIOSK).status_code == 403
    assert (
        client.post("/ees/refusals", json={**body, "reasons": []}, headers=GUARD).status_code == 422
    )
    rows = seeded.store.query("SELECT reasons, officer_id FROM ees_refusals")
    assert rows == [("sis_hit", "officer-12")]

"""The two-step consultation against the running matcher process over HTTP (issue #4).

The matcher serves its guard-tool API next to the MQTT service; tokens come
from a 0600 file written by ``openabc api-token``. A second-step request
without a written justification, from the kiosk profile, or without a token is
refused and leaves no consultation behind; a justified one is served and
individually logged.
"""

from __future__ import annotations

import sqlite3

import httpx2 as httpx
import pytest
from hil_site import Site

pytestmark = [pytest.mark.hil, pytest.mark.mosquitto]


def consultations(site: Site) -> int:
    with sqlite3.connect(site.settings.matcher.database) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM consultations").fetchone()[0])


def second_step_audits(site: Site) -> int:
    with sqlite3.connect(site.settings.matcher.database) as conn:
        row = conn.execute(
            "SELECT COUNT(*) FROM audit WHERE purpose LIKE 'second_step%'"
        ).fetchone()
    return int(row[0])


def consult(site: Site, token: str | None, **body: object) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(f"{site.api_url}/portal/consult", json=body, headers=headers, timeout=10)


def test_second_step_needs_a_justification_a_guard_and_a_token(site: Site) -> None:
    traveller = site.population.by_archetype("sis_hit")
    document = traveller.document.model_dump(mode="json")
    guard, kiosk = site.api_tokens["border_guard"], site.api_tokens["kiosk"]
    before = (consultations(site), second_step_audits(site))

    missing = consult(site, guard, system="sis", document=document)
    assert missing.status_code == 422
    blank = consult(site, guard, system="sis", document=document, justification=" " * 40)
    assert blank.status_code == 400
    assert "justification" in blank.json()["detail"]
    short = consult(site, guard, system="sis", document=document, justification="why")
    assert short.status_code == 422
    wrong_profile = consult(site, kiosk, system="sis", document=document,
                            justification="Hit at lane 3, verifying the alert before refusal")
    assert wrong_profile.status_code == 403
    anonymous = consult(site, None, system="sis", document=document,
                        justification="Hit at lane 3, verifying the alert before refusal")
    assert anonymous.status_code == 401
    assert (consultations(site), second_step_audits(site)) == before  # nothing was disclosed

    justified = consult(site, guard, system="sis", document=document,
                        justification="Hit at lane 3, verifying the alert before refusal")
    assert justified.status_code == 200, justified.text
    assert consultations(site) == before[0] + 1
    assert second_step_audits(site) == before[1] + 1


def test_first_step_gives_the_kiosk_profile_hit_or_no_hit_only(site: Site) -> None:
    traveller = site.population.by_archetype("sis_hit")
    answer = httpx.post(
        f"{site.api_url}/portal/search",
        json=traveller.document.model_dump(mode="json"),
        headers={"Authorization": f"Bearer {site.api_tokens['kiosk']}"},
        timeout=10,
    )
    assert answer.status_code == 200
    outcomes = answer.json()
    assert outcomes["sis"] == "hit"
    assert set(outcomes.values()) <= {"hit", "no_hit", "unavailable"}

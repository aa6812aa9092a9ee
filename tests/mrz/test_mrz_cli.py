"""The ``openabc mrz`` command body, driven through StringIO."""

from __future__ import annotations

import datetime as dt
import io
import json

from openabc.mrz.cli import run_mrz_command

SPECIMEN = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10\n"
)


def run(text: str, today: dt.date = dt.date(2010, 1, 1)) -> tuple[int, dict[str, object]]:
    out = io.StringIO()
    status = run_mrz_command(io.StringIO(text), out, today=today)
    return status, json.loads(out.getvalue())


def test_valid_specimen_exits_zero_with_all_fields() -> None:
    status, data = run(SPECIMEN)
    assert status == 0
    assert data["valid"] is True
    assert data["format"] == "TD3"
    assert data["document_number"] == "L898902C3"
    assert data["issuing_state"] == "UTO"
    assert data["nationality"] == "UTO"
    assert data["birth_date"] == "1974-08-12"
    assert data["expiry_date"] == "2012-04-15"
    assert data["sex"] == "F"
    assert data["surname"] == "ERIKSSON"
    assert data["given_names"] == "ANNA MARIA"
    assert data["errors"] == []


def test_expired_document_exits_three() -> None:
    status, data = run(SPECIMEN, today=dt.date(2026, 1, 1))
    assert status == 3
    assert data["valid"] is False
    assert data["errors"] == ["document_expired"]


def test_bad_check_digit_exits_three_and_invalid_date_is_null() -> None:
    status, data = run(SPECIMEN.replace("7408122F", "7413122F"))
    assert status == 3
    assert data["birth_date"] is None
    assert "birth_date_check_digit" in data["errors"]  # type: ignore[operator]
    assert "birth_date_invalid" in data["errors"]  # type: ignore[operator]


def test_unparseable_input_exits_two() -> None:
    status, data = run("not an mrz\n")
    assert status == 2
    assert data["valid"] is False
    errors = data["errors"]
    assert isinstance(errors, list) and len(errors) == 1
    assert errors[0].startswith("unparseable: ")


def test_huge_input_is_refused_without_reading_it_all() -> None:
    status, data = run("<" * 1_000_000)
    assert status == 2
    assert data["valid"] is False

"""The outcome of reading one MRZ: decoded fields plus every problem found."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from openabc.messages import TravelDocument

MrzFormat = Literal["TD1", "TD2", "TD3"]
Sex = Literal["M", "F", "X"]


class MrzFormatError(ValueError):
    """The text is not an MRZ at all (line count, line length, alphabet)."""


@dataclass(frozen=True, slots=True)
class MrzResult:
    """Decoded MRZ fields; ``errors`` holds stable machine codes, never personal data.

    Fields are filled even when a check fails so an operator screen can show
    what was read; only ``valid`` results may become a ``TravelDocument``.
    """

    format: MrzFormat
    document_type: str
    issuing_state: str
    document_number: str
    nationality: str
    birth_date: dt.date | None
    expiry_date: dt.date | None
    sex: Sex
    surname: str
    given_names: str
    optional_data: str
    optional_data_2: str
    errors: tuple[str, ...]

    @property
    def valid(self) -> bool:
        """True when every check digit, date and code passed and the document is in date."""
        return not self.errors

    def to_travel_document(self) -> TravelDocument:
        """The lead's wire model; refuses a result that failed any check."""
        if not self.valid:
            raise ValueError("MRZ is not valid: " + ", ".join(self.errors))
        if self.birth_date is None or self.expiry_date is None:  # pragma: no cover - guarded
            raise ValueError("MRZ dates missing")
        if len(self.document_number) > 9:
            raise ValueError("document numbers over 9 characters do not fit TravelDocument")
        return TravelDocument(
            document_type=self.document_type,
            issuing_state=self.issuing_state,
            document_number=self.document_number,
            nationality=self.nationality,
            birth_date=self.birth_date,
            expiry_date=self.expiry_date,
            sex=self.sex,
            surname=self.surname,
            given_names=self.given_names,
        )

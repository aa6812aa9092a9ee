"""Synthetic names, birth dates and passports with valid TD3 MRZs.

Documents are composed as MRZ text and then parsed back with the kiosk's own
parser, so the ``TravelDocument`` the matcher stores is exactly what a lane
will send. Document dates hang off a fixed anchor, not today, so the
committed population file does not change from one day to the next.
"""

from __future__ import annotations

import datetime as dt
import random
import string

from openabc.matcher.nationalities import VISA_EXEMPT, VISA_REQUIRED
from openabc.messages import TravelDocument
from openabc.mrz import compose_td3, parse_mrz
from openabc.mrz.result import Sex

DOCUMENT_ANCHOR = dt.date(2026, 1, 1)
"""Reference date for birth and document dates (independent of the run date)."""

SURNAMES = (
    "Anderson",
    "Baker",
    "Carvalho",
    "Dubois",
    "Eriksen",
    "Fernández",
    "García",
    "Hoffmann",
    "Ishikawa",
    "Jovanović",
    "Kowalski",
    "Lindqvist",
    "Müller",
    "Nakamura",
    "O'Connor",
    "Pereira",
    "Quinn",
    "Rossi",
    "Sato",
    "Thompson",
    "Umarov",
    "Van der Berg",
    "Walsh",
    "Xu",
    "Yamamoto",
    "Zimmermann",
    "Okafor",
    "Singh",
    "Kumar",
    "Nguyen",
    "Haddad",
    "Mbeki",
    "Silva",
    "Tanaka",
    "Wright",
    "Park",
    "Kim",
    "Cohen",
    "Lopez",
    "Santos",
)
GIVEN_NAMES = (
    "Alex",
    "Beatriz",
    "Chloé",
    "Daniel",
    "Emma",
    "Felipe",
    "Grace",
    "Hiroshi",
    "Isabel",
    "James",
    "Keiko",
    "Liam",
    "María José",
    "Noah",
    "Olivia",
    "Pedro",
    "Rosa",
    "Samuel",
    "Tomás",
    "Uma",
    "Victor",
    "Wei",
    "Yusuf",
    "Zoë",
    "Ana Luísa",
    "Chinedu",
    "Priya",
    "Minh",
    "Omar",
    "Sipho",
    "Ji-woo",
    "Ethan",
    "Sofia",
    "Lucas",
    "Mia",
    "Arjun",
)
VISA_EXEMPT_CODES = tuple(sorted(VISA_EXEMPT))
VISA_REQUIRED_CODES = tuple(sorted(VISA_REQUIRED))


class DocumentNumbers:
    """Unique passport numbers: two letters and seven digits."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def next(self) -> str:
        while True:
            number = "".join(self._rng.choices(string.ascii_uppercase, k=2)) + "".join(
                self._rng.choices(string.digits, k=7)
            )
            if number not in self._used:
                self._used.add(number)
                return number


def random_birth_date(rng: random.Random) -> dt.date:
    """An adult born 18 to 75 years before the anchor."""
    days = rng.randint(18 * 365, 75 * 365)
    return DOCUMENT_ANCHOR - dt.timedelta(days=days)


def random_expiry(rng: random.Random) -> dt.date:
    """Ten-year passport issued within the nine years before the anchor."""
    issued = DOCUMENT_ANCHOR - dt.timedelta(days=rng.randint(1, 9 * 365))
    day = 28 if (issued.month, issued.day) == (2, 29) else issued.day
    return issued.replace(year=issued.year + 10, day=day)


def make_passport(
    *,
    nationality: str,
    surname: str,
    given_names: str,
    birth_date: dt.date,
    sex: Sex,
    document_number: str,
    expiry_date: dt.date,
) -> tuple[str, TravelDocument]:
    """Compose a TD3 MRZ and return it with the document the kiosk would read from it."""
    line1, line2 = compose_td3(
        issuing_state=nationality,
        surname=surname,
        given_names=given_names,
        document_number=document_number,
        nationality=nationality,
        birth_date=birth_date,
        sex=sex,
        expiry_date=expiry_date,
    )
    mrz_text = f"{line1}\n{line2}"
    result = parse_mrz(mrz_text, today=DOCUMENT_ANCHOR)
    return mrz_text, result.to_travel_document()


def random_passport(
    rng: random.Random, numbers: DocumentNumbers, nationality: str
) -> tuple[str, TravelDocument]:
    sexes: tuple[Sex, ...] = ("M", "F", "F", "M", "X")
    sex = rng.choice(sexes)
    given = " ".join(rng.sample(GIVEN_NAMES, k=rng.choice((1, 1, 2))))
    return make_passport(
        nationality=nationality,
        surname=rng.choice(SURNAMES),
        given_names=given,
        birth_date=random_birth_date(rng),
        sex=sex,
        document_number=numbers.next(),
        expiry_date=random_expiry(rng),
    )

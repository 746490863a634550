"""Regenerate the bundled sample files: `python -m amc_uploader.samples.generate`.

Deterministic (fixed seed). Every person is invented: names from short fixed lists, e-mail domains
reserved for examples (RFC 2606), phone numbers from ranges reserved for fiction where the country has
one (US 555-01xx, GB Ofcom drama ranges).
"""

from __future__ import annotations

import csv
import hashlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

FIELDS = [
    "customer_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "address",
    "city",
    "state",
    "zip",
    "purchase_timestamp",
    "order_total",
]
DOMAINS = ["example.com", "example.org", "example.net", "mail.example.com"]


def _messy_case(rnd: random.Random, text: str) -> str:
    roll = rnd.random()
    if roll < 0.1:
        return text.upper()
    if roll < 0.2:
        return text.lower()
    if roll < 0.27:
        return f"  {text} "
    return text


def _email(rnd: random.Random, first: str, last: str) -> str:
    local = rnd.choice(
        [f"{first}.{last}", f"{first[0]}{last}", f"{first}_{last}{rnd.randint(1, 99)}", f"{first}+shop"]
    )
    return _messy_case(rnd, f"{local}@{rnd.choice(DOMAINS)}")


@dataclass(frozen=True)
class Country:
    code: str
    first: list[str]
    last: list[str]
    streets: list[str]
    places: list[tuple[str, str, Callable[[random.Random], str]]]
    phone: Callable[[random.Random], str]
    address: Callable[[random.Random, str], str]


def _us_zip(prefix: str) -> Callable[[random.Random], str]:
    def make(rnd: random.Random) -> str:
        z = f"{prefix}{rnd.randint(0, 99):02d}"
        return rnd.choice([z, z, z, f"{z}-{rnd.randint(1000, 9999)}"])

    return make


def _digits_zip(prefix: str, width: int, sep: int | None = None) -> Callable[[random.Random], str]:
    def make(rnd: random.Random) -> str:
        z = prefix + "".join(str(rnd.randint(0, 9)) for _ in range(width - len(prefix)))
        return f"{z[:sep]}-{z[sep:]}" if sep else z

    return make


def _gb_postcode(outward: str) -> Callable[[random.Random], str]:
    def make(rnd: random.Random) -> str:
        inward = (
            f"{rnd.randint(0, 9)}{rnd.choice('ABDEFGHJLNPQRSTUWXYZ')}{rnd.choice('ABDEFGHJLNPQRSTUWXYZ')}"
        )
        return rnd.choice([f"{outward} {inward}", f"{outward}{inward}", f"{outward} {inward}".lower()])

    return make


def _us_phone(rnd: random.Random) -> str:
    area = rnd.choice(["202", "212", "312", "415", "512", "617", "206", "303"])
    line = f"01{rnd.randint(0, 99):02d}"
    return rnd.choice(
        [
            f"{area}555{line}",
            f"({area}) 555-{line}",
            f"{area}-555-{line}",
            f"+1 {area} 555 {line}",
            f"1-{area}-555-{line}",
        ]
    )


def _de_phone(rnd: random.Random) -> str:
    rest = "".join(str(rnd.randint(0, 9)) for _ in range(7))
    return rnd.choice([f"0151 {rest}", f"+49 151 {rest}", f"030 {rest}", f"0049 30 {rest}"])


def _gb_phone(rnd: random.Random) -> str:
    tail = f"{rnd.randint(0, 999):03d}"
    return rnd.choice(
        [f"020 7946 0{tail}", f"+44 20 7946 0{tail}", f"07700 900{tail}", f"+44 (0)7700 900{tail}"]
    )


def _jp_phone(rnd: random.Random) -> str:
    a, b = rnd.randint(1000, 9999), rnd.randint(1000, 9999)
    return rnd.choice([f"03-{a}-{b}", f"090-{a}-{b}", f"+81 90 {a} {b}", f"0{rnd.choice('36')}{a}{b}"])


def _street_first(rnd: random.Random, street: str) -> str:
    unit = rnd.choice(
        ["", "", "", f", Apt. #{rnd.randint(1, 40)}{rnd.choice('AB')}", f" Suite {rnd.randint(100, 500)}"]
    )
    return f"{rnd.randint(1, 9999)} {street}{unit}"


def _number_last(rnd: random.Random, street: str) -> str:
    return f"{street} {rnd.randint(1, 200)}{rnd.choice(['', '', 'a'])}"


COUNTRIES = {
    "US": Country(
        "US",
        [
            "Avery",
            "Blake",
            "Casey",
            "Dana",
            "Emery",
            "Finley",
            "Gray",
            "Harper",
            "Jordan",
            "Kendall",
            "Logan",
            "Morgan",
            "Quinn",
            "Riley",
            "Sawyer",
            "Taylor",
            "José",
            "Zoë",
        ],
        [
            "Sample",
            "Example",
            "Testington",
            "Placeholder",
            "Fakename",
            "O'Demo",
            "Van Mock",
            "Smith-Specimen",
            "Doe",
            "Roe",
        ],
        [
            "North Main Street",
            "Elm Rd.",
            "Bluestem Terrace",
            "Cody Junction",
            "Oak Avenue",
            "W. 3rd Ave",
            "Meadow Lane",
            "Lakeview Blvd",
            "12-A Pine Court",
            "South Park Drive",
        ],
        [
            ("Dallas", "Texas", _us_zip("752")),
            ("Wichita", "KS", _us_zip("672")),
            ("New York", "New York", _us_zip("100")),
            ("Seattle", "wa", _us_zip("981")),
            ("Boston", "Massachusetts", _us_zip("021")),
            ("Washington", "District of Columbia", _us_zip("200")),
            ("St. Louis", "Missouri", _us_zip("631")),
            ("San José", "CA", _us_zip("951")),
        ],
        _us_phone,
        _street_first,
    ),
    "DE": Country(
        "DE",
        ["Jörg", "Anna", "Lukas", "Mia", "Jürgen", "Sophie", "Max", "Lea", "Paul", "Lena"],
        ["Müller", "Beispiel", "Mustermann", "Schmidt-Probe", "Weiß", "Übermann", "Testfrau"],
        ["Hauptstraße", "Bahnhofstr.", "Gartenweg", "Am Markt", "Lindenallee"],
        [
            ("Berlin", "Berlin", _digits_zip("10", 5)),
            ("München", "Bayern", _digits_zip("80", 5)),
            ("Köln", "Nordrhein-Westfalen", _digits_zip("50", 5)),
            ("Hamburg", "Hamburg", _digits_zip("20", 5)),
        ],
        _de_phone,
        _number_last,
    ),
    "GB": Country(
        "GB",
        ["Oliver", "Amelia", "Harry", "Isla", "George", "Ava", "Noah", "Freya"],
        ["Sample", "Example", "Testworth", "Placeholder", "O'Mock", "Smythe-Demo"],
        ["High Street", "Station Road", "Church Lane", "Victoria Road", "Flat 3, 10 Downing Street"],
        [
            ("London", "Greater London", _gb_postcode("SW1A")),
            ("Manchester", "Greater Manchester", _gb_postcode("M1")),
            ("Birmingham", "West Midlands", _gb_postcode("B33")),
            ("Leeds", "West Yorkshire", _gb_postcode("LS1")),
        ],
        _gb_phone,
        _street_first,
    ),
    "JP": Country(
        "JP",
        ["Haruto", "Yui", "Sota", "Hina", "Yuto", "Aoi"],
        ["Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito"],
        ["Sakura-dori", "Chuo 1-2-3", "Minami-machi", "Honcho 4-5"],
        [
            ("Tokyo", "Tokyo", _digits_zip("100", 7, sep=3)),
            ("Osaka", "Osaka", _digits_zip("530", 7, sep=3)),
            ("Sapporo", "Hokkaido", _digits_zip("060", 7, sep=3)),
        ],
        _jp_phone,
        _number_last,
    ),
}

INVALID = {
    "email": ["not an email", "jane.doe(at)example.com", "@example.com", "n/a"],
    "phone": ["12345", "n/a", "000", "call me"],
    "zip": ["ABC", "12", "unknown"],
    "first_name": ["???", "---"],
    "address": ["...", "-"],
    "state": ["--"],
    "city": ["..."],
}


def _timestamp(rnd: random.Random) -> str:
    day = f"2026-{rnd.randint(1, 11):02d}-{rnd.randint(1, 28):02d}"
    return f"{day}T{rnd.randint(0, 23):02d}:{rnd.randint(0, 59):02d}:00Z"


def generate(code: str, rows: int, seed: int) -> list[dict[str, str]]:
    rnd = random.Random(seed)  # noqa: S311 - reproducible fake data, not security
    country = COUNTRIES[code]
    out: list[dict[str, str]] = []
    for i in range(1, rows + 1):
        first, last = rnd.choice(country.first), rnd.choice(country.last)
        city, state, zip_maker = rnd.choice(country.places)
        row = {
            "customer_id": f"C{code}{i:05d}",
            "first_name": _messy_case(rnd, first),
            "last_name": _messy_case(rnd, last),
            "email": _email(
                rnd, first.lower().replace("'", ""), last.lower().replace("'", "").replace(" ", "")
            ),
            "phone": country.phone(rnd),
            "address": country.address(rnd, rnd.choice(country.streets)),
            "city": _messy_case(rnd, city),
            "state": _messy_case(rnd, state),
            "zip": zip_maker(rnd),
            "purchase_timestamp": _timestamp(rnd),
            "order_total": f"{rnd.randint(5, 500)}.{rnd.randint(0, 99):02d}",
        }
        roll = rnd.random()
        if roll < 0.10:  # ~10% rows carry one invalid value
            column = rnd.choice(list(INVALID))
            row[column] = rnd.choice(INVALID[column])
        elif roll < 0.14:  # a few blanks
            row[rnd.choice(["phone", "state", "address", "zip"])] = ""
        elif roll < 0.18:  # partly pre-hashed files exist
            row["email"] = hashlib.sha256(row["email"].strip().lower().encode()).hexdigest()
        out.append(row)
    return out


def main() -> None:
    data = Path(__file__).with_name("data")
    data.mkdir(exist_ok=True)
    for code, rows in (("US", 200), ("DE", 60), ("GB", 60), ("JP", 40)):
        path = data / f"customers_{code.lower()}.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(generate(code, rows, seed=sum(map(ord, code))))


if __name__ == "__main__":
    main()

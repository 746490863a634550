"""Seeded synthetic customer rows for the 9 supported countries (bench, tests, demos). Mock data only.

About 10% of the values are messy on purpose: odd case and spacing, accents, punctuation, already
hashed values, blanks, impossible phone numbers, malformed postal codes, unparseable cells.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["COLUMNS", "PII_SPEC", "synthetic_rows"]

PII_SPEC = {
    "first_name": "FIRST_NAME",
    "last_name": "LAST_NAME",
    "email": "EMAIL",
    "phone": "PHONE",
    "address": "ADDRESS",
    "city": "CITY",
    "state": "STATE",
    "zip": "ZIP",
}
COLUMNS = ["customer_id", *PII_SPEC, "purchase_ts", "amount"]


@dataclass(frozen=True)
class _Country:
    first: tuple[str, ...]
    last: tuple[str, ...]
    cities: tuple[str, ...]
    states: tuple[str, ...]
    streets: tuple[str, ...]
    suffixes: tuple[str, ...]
    zip_format: str  # 9 = digit, A = letter
    calling_code: str
    national: tuple[str, ...]  # national number formats, 9 = digit
    domains: tuple[str, ...]


_COUNTRIES: dict[str, _Country] = {
    "US": _Country(
        ("James", "Mary", "Robert", "Patricia", "Jean-Luc", "O'Neil", "Zoë"),
        ("Smith", "Johnson", "Williams", "O'Brien", "García", "Nguyen"),
        ("New York", "Los Angeles", "St. Louis", "San José", "Dallas"),
        ("Texas", "CA", "new york", "Florida", "VA"),
        ("Main", "Oak", "Maple", "North Cedar", "Bluestem"),
        ("Street", "Avenue", "Rd.", "Terrace", "Blvd", "Suite 200"),
        "99999-9999",
        "1",
        ("(999) 999-9999", "999-999-9999", "999.999.9999"),
        ("gmail.com", "example.com", "yahoo.com"),
    ),
    "GB": _Country(
        ("Oliver", "Amelia", "Harry", "Isla", "Siân"),
        ("Smith", "Jones", "Taylor", "Brown", "Ó Súilleabháin"),
        ("London", "Manchester", "Birmingham", "Leeds"),
        ("Greater London", "Kent", "Essex"),
        ("High", "Station", "Church", "Downing"),
        ("Street", "Road", "Lane", "Close"),
        "AA9A 9AA",
        "44",
        ("07999 999999", "020 9999 9999"),
        ("example.co.uk", "btinternet.com"),
    ),
    "CA": _Country(
        ("Liam", "Olivia", "Noah", "Émilie", "François"),
        ("Tremblay", "Roy", "Gagnon", "MacDonald"),
        ("Toronto", "Montréal", "Vancouver", "Calgary"),
        ("Ontario", "Quebec", "BC", "Alberta"),
        ("King", "Queen", "Rue Sainte-Catherine", "Yonge"),
        ("Street", "Avenue", "Boulevard"),
        "A9A 9A9",
        "1",
        ("(999) 999-9999", "999 999 9999"),
        ("example.ca", "sympatico.ca"),
    ),
    "DE": _Country(
        ("Lukas", "Anna", "Jürgen", "Sophie", "Maximilian"),
        ("Müller", "Schmidt", "Schneider", "Weiß", "Groß"),
        ("Berlin", "München", "Köln", "Hamburg"),
        ("Bayern", "Berlin", "Nordrhein-Westfalen", "Hessen"),
        ("Haupt", "Bahnhof", "Schiller", "Goethe"),
        ("straße", "weg", "allee", "platz"),
        "99999",
        "49",
        ("0151 99999999", "030 9999999", "089 9999999"),
        ("web.de", "gmx.de", "example.de"),
    ),
    "FR": _Country(
        ("Léa", "Hugo", "Chloé", "Théo", "Zoé"),
        ("Martin", "Bernard", "Dubois", "Lefèvre"),
        ("Paris", "Lyon", "Marseille", "Saint-Étienne"),
        ("Île-de-France", "Bretagne", "Normandie"),
        ("Rue de la Paix", "Avenue Victor Hugo", "Boulevard Voltaire"),
        ("", "Bis", "Ter"),
        "99999",
        "33",
        ("01 99 99 99 99", "06 99 99 99 99"),
        ("orange.fr", "free.fr", "example.fr"),
    ),
    "ES": _Country(
        ("Lucía", "Hugo", "Martín", "Sofía"),
        ("García", "Fernández", "López", "Martínez"),
        ("Madrid", "Barcelona", "Sevilla", "Valencia"),
        ("Madrid", "Cataluña", "Andalucía"),
        ("Calle Mayor", "Avenida de América", "Plaza España"),
        ("", "Bajo", "2º"),
        "99999",
        "34",
        ("699 999 999", "91 999 99 99"),
        ("example.es", "telefonica.net"),
    ),
    "IT": _Country(
        ("Giulia", "Lorenzo", "Sofia", "Niccolò"),
        ("Rossi", "Russo", "Ferrari", "Esposito"),
        ("Roma", "Milano", "Napoli", "Torino"),
        ("Lazio", "Lombardia", "Campania", "Roma"),
        ("Via Roma", "Viale Europa", "Piazza Garibaldi", "V.le Monza"),
        ("", "Int. 3", "Scala B"),
        "99999",
        "39",
        ("399 999 9999", "06 9999 9999"),
        ("libero.it", "example.it"),
    ),
    "JP": _Country(
        ("Haruto", "Yui", "Sota", "Hina", "陽翔"),
        ("Sato", "Suzuki", "Takahashi", "Tanaka", "佐藤"),
        ("Tokyo", "Osaka", "Yokohama", "Kyoto"),
        ("Tokyo", "Osaka", "Kanagawa", "Hokkaido"),
        ("Chiyoda", "Minato", "Shibuya", "Shinjuku"),
        ("1-2-3", "2-10-5", "4-1"),
        "999-9999",
        "81",
        ("090-9999-9999", "03-9999-9999"),
        ("example.jp", "docomo.ne.jp"),
    ),
    "IN": _Country(
        ("Aarav", "Ananya", "Vihaan", "Diya"),
        ("Sharma", "Patel", "Singh", "Reddy"),
        ("Mumbai", "Delhi", "Bengaluru", "Chennai"),
        ("Maharashtra", "Delhi", "Karnataka", "Tamil Nadu"),
        ("MG Road", "Link Road", "Park Street"),
        ("", "Near Temple", "Sector 5"),
        "999 999",
        "91",
        ("99999 99999", "099999 99999"),
        ("example.in", "rediffmail.com"),
    ),
}
_START = datetime(2024, 1, 1, tzinfo=UTC)


def _fill(rng: random.Random, pattern: str) -> str:
    out = []
    for ch in pattern:
        if ch == "9":
            out.append(str(rng.randint(0, 9)))
        elif ch == "A":
            out.append(chr(rng.randint(65, 90)))
        else:
            out.append(ch)
    return "".join(out)


def _mess(rng: random.Random, value: str, kind: str) -> str | None:
    """Turn a clean value into one of the messy shapes real files contain."""
    choice = rng.randrange(7)
    if choice == 0:
        return None
    if choice == 1:
        return "   "
    if choice == 2:
        return f"  {value.upper()}  "
    if choice == 3:
        return hashlib.sha256(value.lower().encode()).hexdigest()
    if choice == 4:
        return {"email": "not-an-email", "phone": "12", "zip": "??", "state": "-"}.get(kind, "—")
    if choice == 5:
        return value.replace(" ", "  ").lower() + "."
    return f"{value}\t"


def synthetic_rows(n: int, *, seed: int = 42, messy_share: float = 0.1) -> Iterator[dict[str, str | None]]:
    """``n`` rows with ``COLUMNS``; countries round-robin, each row carries its ``country`` hint in
    ``customer_id`` (``US-000001``) so tests can pick the rows of one country."""
    rng = random.Random(seed)  # noqa: S311 - reproducible mock data, not security
    codes = list(_COUNTRIES)
    for i in range(n):
        cc = codes[i % len(codes)]
        c = _COUNTRIES[cc]
        first, last = rng.choice(c.first), rng.choice(c.last)
        user = f"{first}.{last}{rng.randint(1, 999)}".replace(" ", "").replace("'", "")
        national = _fill(rng, rng.choice(c.national))
        phone = national if rng.random() < 0.8 else f"+{c.calling_code} {national.lstrip('0')}"
        row: dict[str, str | None] = {
            "customer_id": f"{cc}-{i:07d}",
            "first_name": first,
            "last_name": last,
            "email": f"{user}@{rng.choice(c.domains)}",
            "phone": phone,
            "address": f"{rng.randint(1, 9999)} {rng.choice(c.streets)} {rng.choice(c.suffixes)}".strip(),
            "city": rng.choice(c.cities),
            "state": rng.choice(c.states),
            "zip": _fill(rng, c.zip_format),
            "purchase_ts": (_START + timedelta(seconds=rng.randint(0, 86_400 * 365))).strftime(
                rng.choice(("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S", "%m/%d/%y %H:%M"))
            ),
            "amount": f"{rng.randint(1, 50000) / 100:.2f}",
        }
        for key in PII_SPEC:
            if rng.random() < messy_share:
                value = row[key]
                row[key] = _mess(rng, value, key) if value is not None else None
        yield row

"""Column suggestions: the likely PII type of each column from its name and a sample of its values.

Used by the CLI `inspect` command and the web wizard. Values are only tested, never returned.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from amc_normalize.common import is_prehashed
from amc_normalize.core import get_rule
from amc_normalize.errors import NormalizationConfigError
from amc_normalize.registry import SUPPORTED_COUNTRIES, canonical_country, state_tables
from amc_normalize.types import PiiType


@dataclass(frozen=True, slots=True)
class Suggestion:
    pii_type: PiiType | None
    confidence: float
    reason: str


# Column names, compared after lowercasing and deleting everything but letters and digits.
_NAME_HINTS: dict[PiiType, tuple[str, ...]] = {
    PiiType.EMAIL: ("email", "emailaddress", "mail", "emailaddr", "useremail", "customeremail"),
    PiiType.PHONE: (
        "phone",
        "phonenumber",
        "mobile",
        "mobilephone",
        "mobilenumber",
        "cell",
        "cellphone",
        "telephone",
        "tel",
        "phoneno",
        "msisdn",
        "contactnumber",
    ),
    PiiType.FIRST_NAME: ("firstname", "fname", "givenname", "forename", "first"),
    PiiType.LAST_NAME: ("lastname", "lname", "surname", "familyname", "last"),
    PiiType.NAME: ("name", "fullname", "customername"),
    PiiType.ADDRESS: (
        "address",
        "street",
        "streetaddress",
        "address1",
        "addressline1",
        "addr",
        "addr1",
        "line1",
        "streetline",
        "billingaddress",
        "shippingaddress",
    ),
    PiiType.CITY: ("city", "town", "locality", "municipality"),
    PiiType.STATE: ("state", "province", "region", "county", "stateprovince", "statecode", "prefecture"),
    PiiType.ZIP: ("zip", "zipcode", "postcode", "postalcode", "postal", "plz", "cap", "pincode", "zip5"),
}
# Common column names in the other supported languages (DE, FR, ES, IT), compared the same way.
_LOCAL_HINTS: dict[PiiType, tuple[str, ...]] = {
    PiiType.EMAIL: ("mail", "courriel", "correo", "correoelectronico", "posta", "emailadresse"),
    PiiType.PHONE: (
        "telefon",
        "telefonnummer",
        "handy",
        "mobil",
        "telephone",
        "portable",
        "telefono",
        "movil",
        "cellulare",
    ),
    PiiType.FIRST_NAME: ("vorname", "prenom", "nombre", "nome"),
    PiiType.LAST_NAME: (
        "nachname",
        "familienname",
        "nom",
        "nomdefamille",
        "apellido",
        "apellidos",
        "cognome",
    ),
    PiiType.ADDRESS: (
        "strasse",
        "strae",
        "anschrift",
        "adresse",
        "rue",
        "direccion",
        "calle",
        "indirizzo",
        "via",
    ),
    PiiType.CITY: ("ort", "stadt", "wohnort", "ville", "ciudad", "localidad", "citta", "comune"),
    PiiType.STATE: ("bundesland", "departement", "provincia", "regione", "estado"),
    PiiType.ZIP: ("postleitzahl", "codepostal", "cp", "codigopostal", "cap"),
}
for _t, _hints in _LOCAL_HINTS.items():
    _NAME_HINTS[_t] = _NAME_HINTS[_t] + tuple(h for h in _hints if h not in _NAME_HINTS[_t])
_EXACT = {hint: t for t, hints in _NAME_HINTS.items() for hint in hints}
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_SHAPE = re.compile(r"^\+?[\d\s().\-/]{7,20}$")
_NAME_SHAPE = re.compile(r"^[^\d@]{1,40}$")
_ADDRESS_SHAPE = re.compile(r"^\s*\d+[a-zA-Z]?\s+\S+|\S+\s+\d+[a-zA-Z]?\s*$")


def _key(column: str) -> str:
    # Accents dropped (`teléfono` -> `telefono`), then letters and digits only.
    decomposed = unicodedata.normalize("NFKD", column.lower())
    return _NOT_ALNUM.sub("", "".join(c for c in decomposed if not unicodedata.combining(c)))


# Hints too generic to count inside a longer name (`last_login`, `mailing_opt_in`, `region_id`).
_EXACT_ONLY = frozenset(
    {"first", "last", "mail", "cap", "tel", "cell", "region", "county", "postal", "line1"}
)
_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def _name_guess(column: str) -> tuple[PiiType | None, float]:
    key = _key(column)
    if key in _EXACT:
        return _EXACT[key], 0.9
    # A run of whole words at either end: `billing_zip`, `customerEmail`, `zip_code_5`, `e_mail_2`.
    words = [_key(w) for w in _WORDS.findall(column)]
    for size in range(len(words) - 1, 0, -1):
        for part in ("".join(words[-size:]), "".join(words[:size])):
            t = _EXACT.get(part)
            if t is not None and part not in _EXACT_ONLY:
                return t, 0.75
    return None, 0.0


# Last words that name an identifier, a key or a count: values alone never make such a column PII
# (`customer_id` = `CUS00001` looks like a US ZIP, `order_number` like a phone number).
_IDENTIFIER_WORDS = frozenset(
    {"id", "ids", "uuid", "guid", "key", "sku", "ref", "number", "num", "no", "count"}
)


def _is_identifier(column: str) -> bool:
    words = [_key(w) for w in _WORDS.findall(column)]
    return bool(words) and words[-1] in _IDENTIFIER_WORDS


def _fits(pii_type: PiiType, value: str, country_code: str | None) -> bool:
    """Does one sample value look like this type (used to temper a name-based guess)?"""
    if pii_type is PiiType.EMAIL:
        return _EMAIL_SHAPE.search(value) is not None
    if pii_type is PiiType.PHONE:
        return _PHONE_SHAPE.search(value) is not None
    if pii_type is PiiType.ZIP:
        if country_code in SUPPORTED_COUNTRIES:
            assert country_code is not None
            return bool(get_rule(PiiType.ZIP, country_code).kernel(value))
        return len(value) <= 12 and any(c.isdigit() for c in value)
    if pii_type is PiiType.STATE:
        return len(value) <= 40 and not any(c.isdigit() for c in value)
    if pii_type is PiiType.ADDRESS:
        return any(c.isalpha() for c in value)
    return _NAME_SHAPE.search(value) is not None


def _share(values: Sequence[str], test: re.Pattern[str]) -> float:
    return sum(1 for v in values if test.search(v)) / len(values) if values else 0.0


def _value_guess(values: Sequence[str], country_code: str | None) -> tuple[PiiType | None, float]:
    if not values:
        return None, 0.0
    email = _share(values, _EMAIL_SHAPE)
    if email >= 0.6:
        return PiiType.EMAIL, email
    if country_code in SUPPORTED_COUNTRIES:
        assert country_code is not None
        zip_rule = get_rule(PiiType.ZIP, country_code)
        zip_share = sum(1 for v in values if len(v) <= 12 and zip_rule.kernel(v)) / len(values)
        if zip_share >= 0.8:
            return PiiType.ZIP, zip_share
        names = state_tables().get(country_code, {})
        if names:
            state_rule = get_rule(PiiType.STATE, country_code)
            codes = {c.lower() for c in names.values()}
            state_share = sum(
                1
                for v in values
                if len(v) <= 30 and state_rule.kernel(v) in codes and not any(ch.isdigit() for ch in v)
            ) / len(values)
            if state_share >= 0.8:
                return PiiType.STATE, state_share
    phone = _share(values, _PHONE_SHAPE)
    if phone >= 0.7:
        return PiiType.PHONE, phone
    address = _share(values, _ADDRESS_SHAPE)
    if address >= 0.7:
        return PiiType.ADDRESS, address * 0.8
    return None, 0.0


def suggest_pii_types(
    columns: Sequence[str],
    samples: Mapping[str, Sequence[str | None]],
    country_code: str | None = None,
) -> dict[str, Suggestion]:
    """Suggest a PII type per column, with a confidence in [0, 1] and a short reason (no values)."""
    cc: str | None = None
    if country_code:
        cc = canonical_country(country_code)
        if cc not in SUPPORTED_COUNTRIES:
            raise NormalizationConfigError(f"unsupported country code {country_code!r}")
    result: dict[str, Suggestion] = {}
    for column in columns:
        raw = [v for v in samples.get(column, ()) if v is not None]
        values = [v for v in (str(x).strip() for x in raw) if v]
        by_name, name_conf = _name_guess(column)
        hashed = bool(values) and all(is_prehashed(v) for v in values)
        if hashed:
            if by_name is not None:
                result[column] = Suggestion(
                    by_name, name_conf, "column name; values are already SHA-256 hashed"
                )
            else:
                result[column] = Suggestion(
                    None, 0.0, "values are SHA-256 hashes; type unknown from the name"
                )
            continue
        by_value, value_conf = _value_guess(values, cc)
        if by_name is not None and by_value is not None and by_name == by_value:
            result[column] = Suggestion(
                by_name, min(1.0, 0.5 + 0.5 * max(name_conf, value_conf)), "column name and values agree"
            )
        elif by_name is not None and by_value is not None:
            if value_conf >= 0.9 and by_value in (PiiType.EMAIL, PiiType.PHONE):
                result[column] = Suggestion(
                    by_value,
                    value_conf * 0.8,
                    f"values look like {by_value.value}; name suggests {by_name.value}",
                )
            else:
                result[column] = Suggestion(
                    by_name, name_conf * 0.7, f"column name; values look like {by_value.value}"
                )
        elif by_name is not None:
            conf = name_conf
            if values:
                share = sum(1 for v in values if _fits(by_name, v, cc)) / len(values)
                conf = name_conf * (0.4 + 0.6 * share)
            result[column] = Suggestion(by_name, round(conf, 3), "column name")
        elif by_value is not None and _is_identifier(column):
            result[column] = Suggestion(
                None, 0.0, f"identifier column (values look like {by_value.value}, the name says otherwise)"
            )
        elif by_value is not None:
            result[column] = Suggestion(
                by_value, round(value_conf * 0.8, 3), f"values look like {by_value.value}"
            )
        else:
            result[column] = Suggestion(None, 0.0, "no PII detected")
    return result

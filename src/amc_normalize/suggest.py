"""Column suggestions: the likely PII type of each column from its name and a sample of its values.

Used by the CLI `inspect` command and the web wizard. Values are only tested, never returned.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, partial

from amc_normalize.common import is_prehashed
from amc_normalize.core import get_rule
from amc_normalize.country import resolve_country
from amc_normalize.errors import NormalizationConfigError
from amc_normalize.mismatch import looks_like_postcode
from amc_normalize.registry import SUPPORTED_COUNTRIES, canonical_country, state_tables
from amc_normalize.shapes import Shape, column_shape, value_shape
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
# Common column names in the other supported languages (DE, FR, ES, IT, JA, HI), compared the same way.
_LOCAL_HINTS: dict[PiiType, tuple[str, ...]] = {
    PiiType.EMAIL: (
        "mail",
        "courriel",
        "correo",
        "correoelectronico",
        "posta",
        "emailadresse",
        "メール",
        "メールアドレス",
        "eメール",
        "ईमेल",
    ),
    PiiType.PHONE: (
        "telefon",
        "telefonnummer",
        "telefonnr",
        "telnr",
        "handy",
        "handynummer",
        "mobil",
        "mobilnummer",
        "telephone",
        "portable",
        "telefono",
        "movil",
        "cellulare",
        "mobileno",
        "contactno",
        "電話",
        "電話番号",
        "携帯",
        "携帯電話",
        "携帯番号",
        "फोन",
        "फोननंबर",
        "मोबाइल",
        "मोबाइलनंबर",
    ),
    PiiType.FIRST_NAME: ("vorname", "prenom", "nombre", "nome", "名", "पहलानाम"),
    PiiType.LAST_NAME: (
        "nachname",
        "familienname",
        "nom",
        "nomdefamille",
        "apellido",
        "apellidos",
        "cognome",
        "姓",
        "苗字",
        "उपनाम",
    ),
    PiiType.NAME: ("氏名", "名前", "お名前", "नाम", "पूरानाम"),
    PiiType.ADDRESS: (
        "strasse",
        "anschrift",
        "adresse",
        "rue",
        "direccion",
        "calle",
        "indirizzo",
        "via",
        "住所",
        "पता",
    ),
    PiiType.CITY: (
        "ort",
        "stadt",
        "wohnort",
        "ville",
        "ciudad",
        "localidad",
        "citta",
        "comune",
        "市区町村",
        "शहर",
    ),
    PiiType.STATE: ("bundesland", "departement", "provincia", "regione", "estado", "都道府県", "राज्य"),
    PiiType.ZIP: ("postleitzahl", "codepostal", "cp", "codigopostal", "cap", "郵便番号", "पिनकोड"),
}
for _t, _hints in _LOCAL_HINTS.items():
    _NAME_HINTS[_t] = _NAME_HINTS[_t] + tuple(h for h in _hints if h not in _NAME_HINTS[_t])
# Letters of any script and digits survive (`電話番号`, `पिन कोड`); `_` and punctuation do not.
_NOT_ALNUM = re.compile(r"[\W_]+")


def _key(column: str) -> str:
    # Case folded (`Straße` -> `strasse`), accents dropped (`teléfono` -> `telefono`), then letters and
    # digits only.
    decomposed = unicodedata.normalize("NFKD", column.casefold())
    return _NOT_ALNUM.sub("", "".join(c for c in decomposed if not unicodedata.combining(c)))


_EXACT = {_key(hint): t for t, hints in _NAME_HINTS.items() for hint in hints}
_EMAIL_SHAPE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_SHAPE = re.compile(r"^\+?[\d\s().\-/]{7,20}$")
_NAME_SHAPE = re.compile(r"^[^\d@]{1,40}$")
_ADDRESS_SHAPE = re.compile(r"^\s*\d+[a-zA-Z]?\s+\S+|\S+\s+\d+[a-zA-Z]?\s*$")


# Hints too generic to count inside a longer name (`last_login`, `mailing_opt_in`, `region_id`).
_EXACT_ONLY = frozenset(
    {"first", "last", "mail", "cap", "tel", "cell", "region", "county", "postal", "line1"}
)
_TOKENS = re.compile(r"[^\W_]+")
_CAMEL_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def _words(column: str) -> list[str]:
    """Keyed words: split at separators, ASCII tokens also at camel case (`customerEmail`)."""
    words: list[str] = []
    for token in _TOKENS.findall(column):
        words.extend(_CAMEL_WORDS.findall(token) if token.isascii() else [token])
    return [_key(w) for w in words]


def _name_guess(column: str) -> tuple[PiiType | None, float]:
    key = _key(column)
    if key in _EXACT:
        return _EXACT[key], 0.9
    # A run of whole words at either end: `billing_zip`, `customerEmail`, `zip_code_5`, `e_mail_2`.
    words = _words(column)
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
    words = _words(column)
    return bool(words) and words[-1] in _IDENTIFIER_WORDS


# Value shares at or above which the values alone suggest a type ("a high rate").
_EMAIL_RATE = 0.6
_RATE = 0.8
_ADDRESS_RATE = 0.7
# Column shapes whose values are never postcodes or phone numbers: a date, a timestamp, an amount.
_NOT_CODES = frozenset({Shape.DATE, Shape.TIMESTAMP, Shape.DECIMAL})
_CODES = (PiiType.ZIP, PiiType.PHONE)


@dataclass(frozen=True, slots=True)
class _Column:
    """One column's non-blank sample values, each with its row's country (None: unknown) and shape."""

    values: list[str]
    countries: list[str | None]
    shapes: list[Shape | None]
    shape: Shape
    per_row: bool

    def rule_name(self, pii_type: PiiType) -> str:
        if self.per_row:
            return f"{pii_type.value} rule of each row's country"
        cc = next((c for c in self.countries if c), None)
        return f"{cc} {pii_type.value} rule" if cc else f"{pii_type.value} rule"


def _code_shaped(shape: Shape | None) -> bool:
    return shape is not None and shape not in _NOT_CODES


def _is_phone(value: str, country: str | None) -> bool:
    if _PHONE_SHAPE.search(value) is None:
        return False
    if country is None:
        # Without a country only the international `+` form is a phone number (as in normalization).
        return value.startswith("+") and bool(get_rule(PiiType.PHONE, "US").kernel(value))
    return bool(get_rule(PiiType.PHONE, country).kernel(value))


def _is_zip(value: str, country: str | None) -> bool:
    if country is None:
        return False
    return looks_like_postcode(value, country)


def _fits(pii_type: PiiType, value: str, country: str | None, shape: Shape | None) -> bool:
    """Does one sample value look like this type (used to temper a name-based guess)?"""
    if pii_type is PiiType.EMAIL:
        return _EMAIL_SHAPE.search(value) is not None
    if pii_type is PiiType.PHONE:
        if not _code_shaped(shape):
            return False
        if country is None:
            return _PHONE_SHAPE.search(value) is not None
        return _is_phone(value, country)
    if pii_type is PiiType.ZIP:
        if not _code_shaped(shape):
            return False
        if country is None:
            return len(value) <= 12 and any(c.isdigit() for c in value)
        return _is_zip(value, country)
    if pii_type is PiiType.STATE:
        return len(value) <= 40 and not any(c.isdigit() for c in value)
    if pii_type is PiiType.ADDRESS:
        return any(c.isalpha() for c in value)
    return _NAME_SHAPE.search(value) is not None


def _is_state(value: str, country: str | None) -> bool:
    if country is None or len(value) > 30 or any(ch.isdigit() for ch in value):
        return False
    names = state_tables().get(country, {})
    if not names:
        return False
    return get_rule(PiiType.STATE, country).kernel(value) in _state_codes(country)


@cache
def _state_codes(country: str) -> frozenset[str]:
    return frozenset(c.lower() for c in state_tables().get(country, {}).values())


def _share(col: _Column, test: Callable[[str, str | None, Shape | None], bool]) -> float:
    hits = sum(1 for v, c, s in zip(col.values, col.countries, col.shapes, strict=True) if test(v, c, s))
    return hits / len(col.values)


def _has_letter(value: str) -> bool:
    return any(ch.isalpha() for ch in value)


def _value_guess(col: _Column, by_name: PiiType | None) -> tuple[PiiType | None, float, str]:
    """(type, share of values passing its rule, why) from the values alone."""
    if not col.values:
        return None, 0.0, ""
    if col.shape is not Shape.TEXT and (col.shape in _NOT_CODES or by_name not in _CODES):
        # Numbers and dates are no PII by their values; an integer column is a ZIP or PHONE only when
        # its name says so (`12500` is an amount as often as a postcode).
        return None, 0.0, ""
    email = _share(col, lambda v, c, s: _EMAIL_SHAPE.search(v) is not None)
    if email >= _EMAIL_RATE:
        return PiiType.EMAIL, email, f"{email:.0%} look like email addresses"
    zip_share = _share(col, lambda v, c, s: _code_shaped(s) and _is_zip(v, c))
    if zip_share >= _RATE:
        return PiiType.ZIP, zip_share, f"{zip_share:.0%} pass the {col.rule_name(PiiType.ZIP)}"
    state = _share(col, lambda v, c, s: _is_state(v, c))
    if state >= _RATE:
        return PiiType.STATE, state, f"{state:.0%} are in the {col.rule_name(PiiType.STATE)}'s table"
    phone = _share(col, lambda v, c, s: _code_shaped(s) and _is_phone(v, c))
    if phone >= _RATE:
        return PiiType.PHONE, phone, f"{phone:.0%} pass the {col.rule_name(PiiType.PHONE)}"
    address = _share(col, lambda v, c, s: _ADDRESS_SHAPE.search(v) is not None and _has_letter(v))
    if address >= _ADDRESS_RATE:
        return PiiType.ADDRESS, address * 0.8, f"{address:.0%} look like street addresses"
    return None, 0.0, ""


def _column(raw: Sequence[str | None], cc: str | None, row_countries: Sequence[str | None] | None) -> _Column:
    if row_countries is None:
        pairs = [(v, cc) for v in raw]
    else:
        if len(raw) != len(row_countries):
            raise ValueError("row_countries must hold one country per sampled row")
        pairs = [
            (v, code if code in SUPPORTED_COUNTRIES else None)
            for v, code in zip(raw, row_countries, strict=True)
        ]
    kept = [(text, c) for v, c in pairs if v is not None and (text := str(v).strip())]
    values = [v for v, _ in kept]
    shapes = [value_shape(v)[0] for v in values]
    return _Column(
        values=values,
        countries=[c for _, c in kept],
        shapes=shapes,
        shape=column_shape(values).shape,
        per_row=row_countries is not None,
    )


def suggest_pii_types(
    columns: Sequence[str],
    samples: Mapping[str, Sequence[str | None]],
    country_code: str | None = None,
    *,
    row_countries: Sequence[str | None] | None = None,
) -> dict[str, Suggestion]:
    """Suggest a PII type per column, with a confidence in [0, 1] and a short reason (no values).

    `row_countries`: each sampled row's resolved country (`amc_normalize.country.resolve_country`, the
    default already applied; None or an unsupported code: unknown), for a file with a country column;
    `samples` then hold one value (or None) per row, in the same order.
    """
    cc: str | None = None
    if country_code:
        cc = canonical_country(country_code)
        if cc not in SUPPORTED_COUNTRIES:
            raise NormalizationConfigError(f"unsupported country code {country_code!r}")
    result: dict[str, Suggestion] = {}
    for column in columns:
        col = _column(samples.get(column, ()), cc, row_countries)
        values = col.values
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
        by_value, value_conf, why = _value_guess(col, by_name)
        if by_name is not None and by_value is not None and by_name == by_value:
            result[column] = Suggestion(
                by_name,
                min(1.0, 0.5 + 0.5 * max(name_conf, value_conf)),
                f"column name and values agree: {why}",
            )
        elif by_name is not None and by_value is not None:
            if value_conf >= 0.9 and by_value in (PiiType.EMAIL, PiiType.PHONE):
                result[column] = Suggestion(
                    by_value,
                    value_conf * 0.8,
                    f"values look like {by_value.value} ({why}); name suggests {by_name.value}",
                )
            else:
                result[column] = Suggestion(
                    by_name, name_conf * 0.7, f"column name; values look like {by_value.value} ({why})"
                )
        elif by_name is not None:
            conf = name_conf
            reason = "column name"
            if values:
                share = _share(col, partial(_fits, by_name))
                conf = name_conf * (0.4 + 0.6 * share)
                reason = f"column name; {share:.0%} of values fit {by_name.value}"
                if col.shape is not Shape.TEXT:
                    reason += f" ({col.shape.value} values)"
            result[column] = Suggestion(by_name, round(conf, 3), reason)
        elif by_value is not None and _is_identifier(column):
            result[column] = Suggestion(
                None, 0.0, f"identifier column (values look like {by_value.value}, the name says otherwise)"
            )
        elif by_value is not None:
            result[column] = Suggestion(
                by_value, round(value_conf * 0.8, 3), f"values look like {by_value.value}: {why}"
            )
        elif col.shape is not Shape.TEXT:
            result[column] = Suggestion(
                None, 0.0, f"no PII detected: {col.shape.value} values are never PII by their values alone"
            )
        else:
            result[column] = Suggestion(None, 0.0, "no PII detected")
    return result


# Headers of a per-row country column, keyed like the PII hints (EN, DE, FR, ES, IT, JA, HI).
_COUNTRY_HINTS = frozenset(
    _key(h)
    for h in (
        "country",
        "countrycode",
        "country_iso",
        "countryiso2",
        "iso_country",
        "billing_country",
        "shipping_country",
        "land",
        "laendercode",
        "länderkennung",
        "pays",
        "codepays",
        "pais",
        "país",
        "paese",
        "nazione",
        "国",
        "国名",
        "国コード",
        "देश",
    )
)


def country_column_candidates(
    columns: Sequence[str], samples: Mapping[str, Sequence[str | None]] | None = None
) -> list[str]:
    """Columns that look like a per-row country: named like one, or whose sampled values nearly all
    resolve to a country (`country.resolve_country`)."""
    found: list[str] = []
    for column in columns:
        if _key(column) in _COUNTRY_HINTS:
            found.append(column)
            continue
        values = [v for v in (samples or {}).get(column, ()) if v is not None and str(v).strip()]
        if values:
            known = sum(1 for v in values if resolve_country(str(v)).code is not None)
            # Two-letter values alone could as well be states (`CA`, `DE`, `IN`): the name must say it.
            if known / len(values) >= 0.95 and any(len(str(v).strip()) > 2 for v in values):
                found.append(column)
    return found

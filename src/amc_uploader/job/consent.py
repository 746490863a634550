"""Consent signals: which records from the EEA/UK may be uploaded (docs/amc-api.md C.1).

AMC needs a consent signal on every record from the EEA or the UK, in columns declared with a
`consentType`: TCF (an IAB TCF v2 TC string), GPP (an IAB GPP string), or the Amazon Consent Signal (ACS)
columns AMZN_USER_DATA and AMZN_AD_STORAGE (GRANTED / DENIED). Values are uploaded as they are (ACS in upper
case), never hashed; an invalid value is staged as null (it is no consent signal) and counted by reason.

The rule for a row whose resolved country is in the EEA/UK (`amc_normalize.country.eea_uk_countries`):
the first *valid* signal in the order TCF > GPP > ACS counts (AMC's precedence), the others are ignored.
ACS counts when AMZN_USER_DATA or AMZN_AD_STORAGE is valid; AMZN_USER_DATA = DENIED then means
`consent.denied` (AMZN_AD_STORAGE alone only says whether cookies may be used, so it is a signal, never a
denial). A valid TCF or GPP string outranks an AMZN_USER_DATA = DENIED on the same row: AMC reads the
string, and so do we (its purposes are AMC's to interpret, not ours). No valid signal: `consent.missing`.
`missing_consent` then decides: `drop` (default) leaves the row out, `keep` uploads it anyway (counted),
`fail` stops the job before anything is staged, naming the first such line. Rows from anywhere else are
never dropped for consent.

TCF and GPP strings are checked for shape, not decoded: one regular expression per kind, the same in the
local engine (Python `re`) and on Spark (Java regex via `rlike`), so both engines agree on every value. No
well-kept pure-Python decoder exists on PyPI (`iab-tcf` is TCF only, unmaintained since 2022, and needs
the `bitarray` C extension), and the shape is all the upload needs.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, Literal

from amc_client.models import AcsConsentValue, ConsentType
from amc_normalize.country import eea_uk_countries

if TYPE_CHECKING:
    from amc_uploader.job.plan import JobPlan

__all__ = [
    "ACS_KINDS",
    "CONSENT_DENIED",
    "CONSENT_MISSING",
    "MISSING_CONSENT_POLICIES",
    "ConsentCheck",
    "ConsentCounts",
    "ConsentError",
    "MissingConsent",
    "check_consent_value",
    "consent_failure",
    "consent_kind",
    "decide",
    "filter_records",
    "first_violation",
    "invalid_code",
    "is_eea_uk",
    "parse_consent_spec",
    "row_action",
    "suggest_consent_columns",
]

CONSENT_MISSING: Final = "consent.missing"
CONSENT_DENIED: Final = "consent.denied"
TCF_INVALID: Final = "consent.tcf_invalid"
TCF_VERSION: Final = "consent.tcf_version"
GPP_INVALID: Final = "consent.gpp_invalid"
ACS_INVALID: Final = "consent.acs_invalid"

MissingConsent = Literal["keep", "drop", "fail"]
MISSING_CONSENT_POLICIES: Final[tuple[MissingConsent, ...]] = ("keep", "drop", "fail")

ACS_KINDS: Final = frozenset({ConsentType.AMZN_USER_DATA, ConsentType.AMZN_AD_STORAGE})
#: The signal a row's decision names: TCF, GPP, or ACS for either Amazon Consent Signal column.
SIGNAL_ACS: Final = "ACS"

_B64URL = "A-Za-z0-9_-"
# IAB TCF v2 TC string ("Consent string and vendor list formats v2", IAB Tech Lab, GDPR-Transparency-and-
# Consent-Framework/TCFv2): segments of base64url without padding joined by ".". The core segment comes
# first; its first field is Version, Int(6) = 2, so its first character is "C" (base64url index 2). Its
# fixed fields up to PublisherCC take 213 bits, plus two vendor-section headers (17 bits each) and the
# publisher-restrictions count (12): at least 259 bits, 44 characters. Every other segment starts with
# SegmentType, Int(3) = 1 (disclosed vendors), 2 (allowed vendors) or 3 (publisher TC): characters
# index 8..31, "I".."f", and holds at least MaxVendorId (16 bits) or the purpose fields: 4+ characters.
TCF_V2_PATTERN: Final = rf"C[{_B64URL}]{{43,}}(?:\.[I-Za-f][{_B64URL}]{{3,}})*"
# Base64url segments whose version field is not 2: a TC string of another version (TCF v1: "B").
TC_STRING_PATTERN: Final = rf"[A-BD-Za-z0-9_-][{_B64URL}]*(?:\.[{_B64URL}]+)*"
# IAB GPP string ("Global Privacy Platform String", IAB Tech Lab, Global-Privacy-Platform/Core/Consent
# String Specification.md): a header, then one or more sections, joined by "~". The header is base64url:
# Type Int(6) = 3 ("D"), Version Int(6) = 1 ("B"), the number of section ids Int(12) >= 1 (two characters,
# not "AA"), then the ids (Fibonacci coded, 1+ characters). Sections are websafe text without "~"
# (base64url segments joined by ".", or another websafe encoding such as US Privacy's "1YNN").
GPP_PATTERN: Final = rf"DB(?:A[B-Za-z0-9_-]|[B-Za-z0-9_-][{_B64URL}])[{_B64URL}]+(?:~[.{_B64URL}]+)+"

_TCF_RE = re.compile(TCF_V2_PATTERN)
_TC_RE = re.compile(TC_STRING_PATTERN)
_GPP_RE = re.compile(GPP_PATTERN)
_ACS_VALUES = frozenset(v.value for v in AcsConsentValue)


def consent_kind(text: str) -> ConsentType:
    """A consent kind by name (any case, surrounding spaces), or ValueError listing the kinds."""
    name = text.strip().upper()
    try:
        return ConsentType(name)
    except ValueError:
        kinds = ", ".join(k.value for k in ConsentType)
        raise ValueError(f"unknown consent kind {text!r} ({kinds})") from None


def parse_consent_spec(items: Iterable[str]) -> dict[str, ConsentType]:
    """`COL=KIND` items (`--consent tcf_string=TCF`) -> column -> kind; one column per kind."""
    out: dict[str, ConsentType] = {}
    for item in items:
        column, sep, kind = item.partition("=")
        if not sep or not column.strip() or not kind.strip():
            raise ValueError(f"expected COLUMN=KIND, got {item!r}")
        out[column.strip()] = consent_kind(kind)
    check_one_column_per_kind(out)
    return out


# Header names of consent columns, by kind, in their lookup form (lower case, letters and digits only):
# the names IAB and Amazon use for the signals (`gdpr_consent` / `euconsent-v2` carry a TC string,
# `gpp_string` a GPP string), with and without the words around them.
_CONSENT_HEADERS: Final[Mapping[str, ConsentType]] = {
    name: kind
    for kind, names in (
        (
            ConsentType.TCF,
            "tcf tcfstring tcstring tcfv2 tcfv2string tcfconsent tcfconsentstring gdprconsent "
            "gdprconsentstring euconsent euconsentv2 consentstring",
        ),
        (ConsentType.GPP, "gpp gppstring gppconsent gppconsentstring"),
        (
            ConsentType.AMZN_USER_DATA,
            "amznuserdata amazonuserdata acsuserdata amznconsentuserdata userdataconsent",
        ),
        (
            ConsentType.AMZN_AD_STORAGE,
            "amznadstorage amazonadstorage acsadstorage amznconsentadstorage adstorageconsent adstorage",
        ),
    )
    for name in names.split()
}
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def suggest_consent_columns(columns: Iterable[str]) -> dict[str, ConsentType]:
    """Columns whose header names a consent signal (`tcf_string`, `GPP String`, `amzn_user_data`) -> kind;
    the first column of each kind, in file order. Headers only: values could be any column's text."""
    out: dict[str, ConsentType] = {}
    for column in columns:
        kind = _CONSENT_HEADERS.get(_NOT_ALNUM.sub("", column.casefold()))
        if kind is not None and kind not in out.values():
            out[column] = kind
    return out


def check_one_column_per_kind(columns: Mapping[str, ConsentType]) -> None:
    seen: dict[ConsentType, str] = {}
    for column, kind in columns.items():
        if kind in seen:
            raise ValueError(f"consent kind {kind} is given for both {seen[kind]!r} and {column!r}")
        seen[kind] = column


def check_consent_value(kind: ConsentType, value: Any) -> tuple[str | None, str | None]:
    """(value to stage, reason it is invalid) for one cell. Blank: (None, None), no signal but no error.
    Surrounding spaces (only spaces, as Spark's `trim`) are removed; ACS values are upper-cased."""
    if value is None:
        return None, None
    text = (value if isinstance(value, str) else str(value)).strip(" ")
    if not text:
        return None, None
    if kind in ACS_KINDS:
        upper = text.upper()
        return (upper, None) if upper in _ACS_VALUES else (None, ACS_INVALID)
    if kind is ConsentType.TCF:
        if _TCF_RE.fullmatch(text):
            return text, None
        return None, TCF_VERSION if _TC_RE.fullmatch(text) else TCF_INVALID
    return (text, None) if _GPP_RE.fullmatch(text) else (None, GPP_INVALID)


def is_eea_uk(country: str | None) -> bool:
    """Whether a resolved alpha-2 code is in the EEA or the UK (None: unknown, so not)."""
    return country is not None and country in eea_uk_countries()


def decide(country: str | None, signals: Mapping[ConsentType, str | None]) -> tuple[str | None, str | None]:
    """(signal that counts, reason) for a row whose valid consent values are `signals` (kind -> staged
    value, None when blank or invalid). Outside the EEA/UK: (None, None), consent is not checked."""
    if not is_eea_uk(country):
        return None, None
    if signals.get(ConsentType.TCF):
        return ConsentType.TCF.value, None
    if signals.get(ConsentType.GPP):
        return ConsentType.GPP.value, None
    user_data = signals.get(ConsentType.AMZN_USER_DATA)
    if user_data or signals.get(ConsentType.AMZN_AD_STORAGE):
        return SIGNAL_ACS, CONSENT_DENIED if user_data == AcsConsentValue.DENIED else None
    return None, CONSENT_MISSING


RowAction = Literal["kept", "dropped", "failed"]


def invalid_code(column: str, reason: str) -> str:
    """The key of an invalid consent value's count in a Spark task's stats (`add_invalid_code`)."""
    return f"{column}\t{reason}"


def row_action(reason: str | None, policy: MissingConsent) -> RowAction:
    """What `missing_consent` does with a row whose `decide` reason is `reason`."""
    if reason is None or policy == "keep":
        return "kept"
    return "dropped" if policy == "drop" else "failed"


@dataclass
class ConsentCounts:
    """Counts only. `decisions` counts EEA/UK rows by (signal, reason); `invalid` values per column."""

    policy: MissingConsent
    columns: dict[str, ConsentType]
    decisions: Counter[tuple[str, str]] = field(default_factory=Counter)
    invalid: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, signal: str | None, reason: str | None, count: int = 1) -> None:
        self.decisions[(signal or "", reason or "")] += count

    def add_invalid(self, column: str, reason: str, count: int = 1) -> None:
        self.invalid.setdefault(column, Counter())[reason] += count

    def add_code(self, code: str, count: int) -> None:
        """Count a row code of `spark_consent_columns` ("signal|reason")."""
        signal, _, reason = code.partition("|")
        self.add(signal, reason, count)

    def add_invalid_code(self, code: str, count: int) -> None:
        """Count an `invalid_code` ("column<TAB>reason")."""
        column, _, reason = code.partition("\t")
        self.add_invalid(column, reason, count)

    def codes(self) -> tuple[dict[str, int], dict[str, int]]:
        """The counts as plain JSON (a Spark task's stats), keyed as `add_code` and `add_invalid_code`
        read them back."""
        decisions = {f"{signal}|{reason}": n for (signal, reason), n in self.decisions.items()}
        invalid = {
            invalid_code(column, reason): n
            for column, reasons in self.invalid.items()
            for reason, n in reasons.items()
        }
        return decisions, invalid

    def merge(self, other: ConsentCounts) -> None:
        self.decisions.update(other.decisions)
        for column, reasons in other.invalid.items():
            self.invalid.setdefault(column, Counter()).update(reasons)

    @property
    def reasons(self) -> dict[str, int]:
        out: Counter[str] = Counter()
        for (_, reason), n in self.decisions.items():
            if reason:
                out[reason] += n
        return dict(sorted(out.items()))

    @property
    def rows_dropped(self) -> int:
        return sum(self.reasons.values()) if self.policy == "drop" else 0

    def to_dict(self) -> dict[str, Any]:
        """The report's `consent` object (empty when consent played no part in the job)."""
        eea_rows = sum(self.decisions.values())
        if not self.columns and not eea_rows:
            return {}
        signals: Counter[str] = Counter()
        for (signal, _), n in self.decisions.items():
            if signal:
                signals[signal] += n
        return {
            "policy": self.policy,
            "columns": {c: k.value for c, k in self.columns.items()},
            "eea_uk_rows": eea_rows,
            "signals": dict(sorted(signals.items())),
            "reasons": self.reasons,
            "rows_dropped": self.rows_dropped,
            "rows_kept_without_consent": sum(self.reasons.values()) if self.policy == "keep" else 0,
            "invalid_values": {c: dict(sorted(r.items())) for c, r in sorted(self.invalid.items())},
        }


class ConsentCheck:
    """The local engine's per-row check: stages the normalized values in place and counts.

    `positions` maps each consent column to its index in the row. Calling it returns the row's reason
    (`consent.missing` / `consent.denied`) when it is from the EEA/UK without usable consent, else None;
    what happens then is the caller's (the policy)."""

    def __init__(
        self, columns: Mapping[str, ConsentType], positions: Mapping[str, int], policy: MissingConsent
    ) -> None:
        self.items = [(positions[c], c, k) for c, k in columns.items()]
        self.counts = ConsentCounts(policy, dict(columns))

    @classmethod
    def for_records(cls, columns: Mapping[str, ConsentType], policy: MissingConsent) -> ConsentCheck:
        """A check over rows holding just the consent values, in `columns` order (`filter_records`)."""
        return cls(columns, {c: i for i, c in enumerate(columns)}, policy)

    def __call__(self, row: list[Any], country: str | None) -> str | None:
        signals: dict[ConsentType, str | None] = {}
        for pos, column, kind in self.items:
            staged, invalid = check_consent_value(kind, row[pos])
            if invalid is not None:
                self.counts.add_invalid(column, invalid)
            row[pos] = staged
            signals[kind] = staged
        if not is_eea_uk(country):
            return None
        signal, reason = decide(country, signals)
        self.counts.add(signal, reason)
        return reason


def filter_records(
    records: Iterable[dict[str, Any]],
    check: ConsentCheck,
    country: str | Callable[[dict[str, Any]], str | None] | None,
    where: Callable[[], tuple[str, int]],
) -> Iterator[dict[str, Any]]:
    """Records (dicts, as `amc_normalize.normalize_records` takes them) with the consent rule applied:
    consent values normalized, rows left out or the iteration stopped (`ConsentError`, at `where()`).
    `check` comes from `ConsentCheck.for_records`; `country` is the records' country or a function giving
    each record's."""
    names = [column for _, column, _ in sorted(check.items)]
    for record in records:
        row = [record.get(c) for c in names]
        reason = check(row, country(record) if callable(country) else country)
        action = row_action(reason, check.counts.policy)
        if action == "failed" and reason is not None:
            source, line = where()
            raise ConsentError(consent_failure(source, line, reason))
        if action == "dropped":
            continue
        yield {**record, **dict(zip(names, row, strict=True))}


class ConsentError(ValueError):
    """`missing_consent = fail` met an EEA/UK record without usable consent (the message says where)."""


def consent_failure(source: str, line: int, reason: str) -> str:
    """The `missing_consent = fail` message: where, and why; never a value."""
    why = "AMZN_USER_DATA is DENIED" if reason == CONSENT_DENIED else "no valid consent signal"
    return (
        f"{source}, line {line}: an EEA/UK record with {why} ({reason}); missing_consent = fail stops the "
        "job (use drop to leave such rows out, keep to upload them)"
    )


def first_violation(plan: JobPlan, *, s3_client: Any = None) -> tuple[str, int, str] | None:
    """(file, line, reason) of the first EEA/UK row without usable consent, in input order, or None.
    Runs before anything is staged when `missing_consent` is fail: a pass that only reads the consent
    cells, with the same rule as the engines."""
    from amc_uploader.job.inputs import open_reader

    config = plan.config
    index = {name: i for i, name in enumerate(plan.header)}
    check = ConsentCheck(config.consent, index, config.missing_consent)
    country_of = _country_of(plan)
    for source in plan.inputs:
        with open_reader(
            source, plan.input_format, plan.gzipped[source.uri], config.csv, s3_client=s3_client
        ) as reader:
            for line, values in reader.rows():
                reason = check(list(values), country_of(values))
                if reason is not None:
                    return source.name, line, reason
    return None


def _country_of(plan: JobPlan) -> Callable[[list[Any]], str | None]:
    """A row's resolved country from its input values: the job's, or its country column's."""
    if plan.country_column is None:
        return lambda _values: plan.country_code
    from amc_normalize.row_country import RowCountries

    countries = RowCountries([], plan.country_code)
    position = plan.header.index(plan.country_column)
    return lambda values: countries.rows_for(values[position]).code


def _java(pattern: str) -> str:
    # Spark's rlike searches (Java regex): anchor at both ends; `\z` is the very end (`$` would also match
    # before a trailing line break, unlike Python's fullmatch).
    return f"^(?:{pattern})\\z"


def spark_consent_columns(
    columns: Mapping[str, ConsentType], country: Any
) -> tuple[dict[str, Any], dict[str, Any], Any, Any]:
    """Native Spark expressions of the same rule as `ConsentCheck`, for a row country expression:
    (column -> staged value, column -> invalid reason or null, row code "signal|reason" for EEA/UK rows
    else null, violation flag)."""
    from pyspark.sql import functions as F

    staged: dict[str, Any] = {}
    invalid: dict[str, Any] = {}
    by_kind: dict[ConsentType, Any] = {}
    for column, kind in columns.items():
        raw = F.trim(F.col(f"`{column}`").cast("string"))
        blank = raw.isNull() | (raw == "")
        if kind in ACS_KINDS:
            value = F.upper(raw)
            ok = value.isin(*sorted(_ACS_VALUES))
            bad = F.lit(ACS_INVALID)
        elif kind is ConsentType.TCF:
            value = raw
            ok = raw.rlike(_java(TCF_V2_PATTERN))
            bad = F.when(raw.rlike(_java(TC_STRING_PATTERN)), F.lit(TCF_VERSION)).otherwise(
                F.lit(TCF_INVALID)
            )
        else:
            value = raw
            ok = raw.rlike(_java(GPP_PATTERN))
            bad = F.lit(GPP_INVALID)
        staged[column] = F.when(~blank & ok, value)
        invalid[column] = F.when(~blank & ~ok, bad)
        by_kind[kind] = staged[column]

    def present(*kinds: ConsentType) -> Any:
        flags = [by_kind[k].isNotNull() for k in kinds if k in by_kind]
        result = F.lit(False)
        for flag in flags:
            result = result | flag
        return result

    user_data = by_kind.get(ConsentType.AMZN_USER_DATA)
    denied = (user_data == AcsConsentValue.DENIED.value) if user_data is not None else F.lit(False)
    signal = (
        F.when(present(ConsentType.TCF), F.lit(ConsentType.TCF.value))
        .when(present(ConsentType.GPP), F.lit(ConsentType.GPP.value))
        .when(present(*sorted(ACS_KINDS)), F.lit(SIGNAL_ACS))
    )
    reason = F.when(signal.isNull(), F.lit(CONSENT_MISSING)).when(
        (signal == SIGNAL_ACS) & F.coalesce(denied, F.lit(False)), F.lit(CONSENT_DENIED)
    )
    eea = F.coalesce(country.isin(*sorted(eea_uk_countries())), F.lit(False))
    code = F.when(eea, F.concat_ws("|", F.coalesce(signal, F.lit("")), F.coalesce(reason, F.lit(""))))
    violation = eea & reason.isNotNull()
    return staged, invalid, code, violation

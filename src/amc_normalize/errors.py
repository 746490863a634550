"""Configuration errors, raised before any row is processed. Row-level problems are outcomes instead."""

from __future__ import annotations

from collections.abc import Iterable


class NormalizationConfigError(ValueError):
    """Base of every configuration error of `amc_normalize`."""


class UnsupportedCountryError(NormalizationConfigError):
    """A country code this PII type has no rules for."""

    def __init__(self, country_code: str, pii_type: str | None = None) -> None:
        self.country_code = country_code
        self.pii_type = pii_type
        what = f" for {pii_type}" if pii_type else ""
        super().__init__(f"unsupported country code {country_code!r}{what}")


class MissingCountryError(UnsupportedCountryError):
    """No country was given and no per-row country column either (an `UnsupportedCountryError`, which is
    what callers caught before it had its own message)."""

    def __init__(self, supported: Iterable[str]) -> None:
        NormalizationConfigError.__init__(
            self,
            f"a country is needed: pass country_code (one of {', '.join(sorted(supported))}) or "
            "country_column (a column with each row's country)",
        )
        self.country_code = ""
        self.pii_type = None


class UnknownPiiTypeError(NormalizationConfigError):
    """A PII type name that is not one of `PiiType`."""

    def __init__(self, name: str, valid: tuple[str, ...] = ()) -> None:
        self.name = name
        hint = f" (expected one of {', '.join(valid)})" if valid else ""
        super().__init__(f"unknown PII type {name!r}{hint}")


class SchemaError(NormalizationConfigError):
    """The column spec does not fit the input (missing column, malformed spec entry)."""

    def __init__(self, message: str, *, columns: tuple[str, ...] = ()) -> None:
        self.columns = columns
        super().__init__(message)

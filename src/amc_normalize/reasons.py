"""Every reason code a row outcome can carry, and the sentence that explains it to a person.

Reason codes (`phone.not_possible`) are the stable, machine-readable part: reports, job records and the
API carry them. The sentences are for people: the CLI prints them beside the counts, the API serves the
table (`GET /api/reasons`) and the web app shows them instead of the raw codes. A sentence never contains a
value from a file. The rules modules keep their own constants; a test checks that every code they can
produce has a sentence here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = ["REASONS", "describe_reason"]

_UNKNOWN: Final = "The value was rejected for a reason this version does not describe."

REASONS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "address.empty": "The address has no letters or digits left after normalization.",
        "city.no_letters": "The city has no letters or digits.",
        "country.unknown": "The row's country is not a country name or code this tool knows, or it is blank "
        "and no default country was given.",
        "country.unsupported": "The row's country has no normalization rules here, so its identifiers "
        "cannot be hashed the way Amazon matches them.",
        "email.no_at": "The e-mail address has no @.",
        "email.syntax": "The e-mail address is not of the form name@domain.tld.",
        "name.no_letters": "The name has no letters or digits.",
        "phone.ambiguous": "The phone number could belong to more than one country; add the country code "
        "(+NN).",
        "phone.no_digits": "The phone number has no digits.",
        "phone.not_possible": "The phone number has the wrong number of digits for its country.",
        "phone.unparsable": "The phone number cannot be read as a phone number.",
        "phone.float": "The phone column was read as decimal numbers, which loses digits; read it as text.",
        "state.no_letters": "The state or region has no letters.",
        "text.invalid_unicode": "The text contains characters that are not valid Unicode (a lone "
        "surrogate or bytes that are not UTF-8).",
        "value.boolean": "The cell is a true/false value, not text.",
        "value.nested": "The cell is a nested value (an object, a list or a map), not text.",
        "zip.float": "The postal code column was read as decimal numbers; read it as text.",
        "zip.pattern": "The postal code does not have the country's format.",
        "zip.zero_padded": "The postal code was read as a number and its lost leading zeros were restored.",
        "consent.missing": "The row is from the EEA or the UK and has no usable consent signal.",
        "consent.denied": "The row is from the EEA or the UK and its AMZN_USER_DATA consent is DENIED.",
        "consent.tcf_invalid": "The TCF consent value is not a TC string.",
        "consent.tcf_version": "The TCF consent string is not TCF version 2.",
        "consent.gpp_invalid": "The GPP consent value is not a GPP string.",
        "consent.acs_invalid": "The Amazon consent signal is neither GRANTED nor DENIED.",
        "unknown": _UNKNOWN,
    }
)


def describe_reason(code: str) -> str:
    """The sentence for `code`; a code this version does not know gets a generic sentence, never the code's
    own text twisted into one (codes come from stored reports, which may be newer than this table)."""
    return REASONS.get(code, _UNKNOWN)

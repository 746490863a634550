"""Bundled sample customer files (obviously fake people) for the demo and the docs.

`customers_<cc>.csv`: first_name, last_name, email, phone, address, city, state, zip, plus the non-PII
columns customer_id, purchase_timestamp and order_total. Messy on purpose: mixed case, stray spaces,
national and international phone formats, ~10% invalid values, a few blanks and pre-hashed values.
Regenerate with `python -m amc_uploader.samples.generate` (deterministic).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

__all__ = ["available_samples", "sample_path"]


def _data_dir() -> Path:
    return Path(str(resources.files("amc_uploader.samples").joinpath("data")))


def available_samples() -> list[str]:
    """Country codes that have a bundled sample, e.g. ["DE", "GB", "JP", "US"]."""
    return sorted(p.stem.removeprefix("customers_").upper() for p in _data_dir().glob("customers_*.csv"))


def sample_path(country_code: str = "US") -> Path:
    """Path of the bundled sample customer CSV of a country; ValueError if there is none."""
    cc = country_code.strip().upper()
    path = _data_dir() / f"customers_{cc.lower()}.csv"
    if not path.is_file():
        raise ValueError(
            f"no bundled sample for country {country_code!r} (available: {', '.join(available_samples())})"
        )
    return path

"""Per-column outcome counts of a normalization run (and, with a country column, per country); JSON round
trip, rich tables, an HTML table for notebooks and a pandas DataFrame."""

from __future__ import annotations

import html
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from amc_normalize.mismatch import MIN_SHARE
from amc_normalize.reasons import describe_reason
from amc_normalize.registry import SUPPORTED_COUNTRIES
from amc_normalize.types import Outcome, PiiType

if TYPE_CHECKING:
    import pandas as pd
    from rich.table import Table

#: The per-country key of rows whose country column resolved to no country.
UNKNOWN_COUNTRY = "unknown"


#: How many invalid reasons the HTML table lists per column (the rest are summed up as "more").
TOP_REASONS = 3


@dataclass
class ColumnReport:
    """Counts of one column. `rows == ok + null + prehashed + invalid`.

    `notes` flag values without being an outcome of their own: each value is counted once above and may
    also carry notes, e.g. the pandas adapter's `zip.zero_padded` (an integer postcode given its leading
    zeros back, then ok) or `phone.float` (a value read from a float column). Empty for the record API."""

    pii_type: str
    rows: int = 0
    ok: int = 0
    null: int = 0
    prehashed: int = 0
    invalid_by_reason: Counter[str] = field(default_factory=Counter)
    notes: Counter[str] = field(default_factory=Counter)

    @property
    def invalid(self) -> int:
        return sum(self.invalid_by_reason.values())

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "pii_type": self.pii_type,
            "rows": self.rows,
            "ok": self.ok,
            "null": self.null,
            "prehashed": self.prehashed,
            "invalid": self.invalid,
            "invalid_by_reason": dict(sorted(self.invalid_by_reason.items())),
        }
        if self.notes:  # only the pandas adapter writes notes; every other report keeps its shape
            data["notes"] = dict(sorted(self.notes.items()))
        return data

    def merge(self, other: ColumnReport) -> None:
        self.rows += other.rows
        self.ok += other.ok
        self.null += other.null
        self.prehashed += other.prehashed
        self.invalid_by_reason.update(other.invalid_by_reason)
        self.notes.update(other.notes)

    @classmethod
    def from_dict(cls, c: dict[str, Any]) -> ColumnReport:
        return cls(
            pii_type=str(c["pii_type"]),
            rows=int(c["rows"]),
            ok=int(c["ok"]),
            null=int(c["null"]),
            prehashed=int(c["prehashed"]),
            invalid_by_reason=Counter({str(k): int(v) for k, v in c.get("invalid_by_reason", {}).items()}),
            notes=Counter({str(k): int(v) for k, v in c.get("notes", {}).items()}),
        )


def reason_legend(codes: Iterable[str]) -> list[str]:
    """`code: sentence` for each distinct reason code, sorted: the legend printed under a table of counts."""
    return [f"{code}: {describe_reason(code)}" for code in sorted(set(codes))]


def country_reason(key: str) -> str | None:
    """Why the rows of a per-country key got no country rules (None: a supported country)."""
    if key == UNKNOWN_COUNTRY:
        return "country.unknown"
    return None if key in SUPPORTED_COUNTRIES else "country.unsupported"


@dataclass
class CountryReport:
    """The rows of one country (alpha-2 code, or `UNKNOWN_COUNTRY`) and their counts per column."""

    rows: int = 0
    columns: dict[str, ColumnReport] = field(default_factory=dict)

    def to_dict(self, key: str) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "reason": country_reason(key),
            "columns": {name: c.to_dict() for name, c in self.columns.items()},
        }


class NormalizationReport:
    """Counts per column: rows, null, prehashed, ok, invalid by reason; with a country column the same
    per country (`countries`, keyed by alpha-2 code or `UNKNOWN_COUNTRY`). Never holds values."""

    def __init__(self) -> None:
        self.columns: dict[str, ColumnReport] = {}
        self.countries: dict[str, CountryReport] = {}
        #: Column -> rows whose value looks like another supported country's (`amc_normalize.mismatch`).
        self.country_mismatch: dict[str, Counter[str]] = {}

    def _column(self, column: str, pii_type: str | PiiType, country: str | None = None) -> ColumnReport:
        columns = self.columns if country is None else self._country(country).columns
        entry = columns.get(column)
        if entry is None:
            entry = columns[column] = ColumnReport(pii_type=str(pii_type))
        return entry

    def _country(self, country: str) -> CountryReport:
        entry = self.countries.get(country)
        if entry is None:
            entry = self.countries[country] = CountryReport()
        return entry

    def add_country_rows(self, country: str, rows: int) -> None:
        """Rows whose country column resolved to `country` (alpha-2 code or `UNKNOWN_COUNTRY`)."""
        self._country(country).rows += rows

    def add(
        self,
        column: str,
        pii_type: str | PiiType,
        outcome: Outcome | str,
        reason: str | None = None,
        count: int = 1,
        *,
        country: str | None = None,
    ) -> None:
        """Count `count` values of one outcome; with `country`, also in that country's counts."""
        outcome = Outcome(outcome)
        for entry in self._entries(column, pii_type, country):
            entry.rows += count
            if outcome is Outcome.OK:
                entry.ok += count
            elif outcome is Outcome.NULL:
                entry.null += count
            elif outcome is Outcome.PREHASHED:
                entry.prehashed += count
            else:
                entry.invalid_by_reason[reason or "unknown"] += count

    def _entries(self, column: str, pii_type: str | PiiType, country: str | None) -> list[ColumnReport]:
        entries = [self._column(column, pii_type)]
        if country is not None:
            entries.append(self._column(column, pii_type, country))
        return entries

    def add_counts(
        self,
        column: str,
        pii_type: str | PiiType,
        *,
        rows: int,
        null: int = 0,
        prehashed: int = 0,
        invalid_by_reason: dict[str, int] | None = None,
        country: str | None = None,
    ) -> None:
        """Bulk form: OK is what remains of `rows`; with `country`, also in that country's counts."""
        invalid = dict(invalid_by_reason or {})
        ok = rows - null - prehashed - sum(invalid.values())
        if ok < 0:
            raise ValueError("counts exceed rows")
        for entry in self._entries(column, pii_type, country):
            entry.rows += rows
            entry.ok += ok
            entry.null += null
            entry.prehashed += prehashed
            entry.invalid_by_reason.update(invalid)

    def add_notes(
        self, column: str, pii_type: str | PiiType, notes: Mapping[str, int], *, country: str | None = None
    ) -> None:
        """Flag values of `column` already counted by an outcome (see `ColumnReport.notes`); with
        `country`, also in that country's counts."""
        counts = {k: n for k, n in notes.items() if n}
        for entry in self._entries(column, pii_type, country):
            entry.notes.update(counts)

    def add_country_mismatch(self, column: str, counts: Mapping[str, int]) -> None:
        """Rows of `column` whose value looks like each other country's (`mismatch.mismatch_counts`)."""
        self.country_mismatch.setdefault(column, Counter()).update(counts)

    def country_mismatches(self) -> list[dict[str, Any]]:
        """The mismatch warnings: column, other country, rows and share of the column's rows, for shares
        of at least `mismatch.MIN_SHARE`, largest first."""
        found: list[dict[str, Any]] = []
        for column, counts in self.country_mismatch.items():
            entry = self.columns.get(column)
            rows = entry.rows if entry is not None else 0
            for country, n in counts.items():
                if rows and n / rows >= MIN_SHARE:
                    found.append(
                        {"column": column, "country": country, "rows": n, "share": round(n / rows, 4)}
                    )
        return sorted(found, key=lambda w: (-w["share"], w["column"], w["country"]))

    def merge(self, other: NormalizationReport) -> None:
        for name, counts in other.country_mismatch.items():
            self.add_country_mismatch(name, counts)
        for name, theirs in other.columns.items():
            self._column(name, theirs.pii_type).merge(theirs)
        for key, country in other.countries.items():
            self._country(key).rows += country.rows
            for name, theirs in country.columns.items():
                self._column(name, theirs.pii_type, key).merge(theirs)

    @property
    def rows(self) -> int:
        """Rows seen (the largest per-column count; every column sees every row in a run)."""
        return max((c.rows for c in self.columns.values()), default=0)

    @property
    def invalid(self) -> int:
        return sum(c.invalid for c in self.columns.values())

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "rows": self.rows,
            "columns": {name: c.to_dict() for name, c in self.columns.items()},
            "country_mismatch": self.country_mismatches(),
        }
        if self.countries:
            data["countries"] = {key: self.countries[key].to_dict(key) for key in sorted(self.countries)}
        return data

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NormalizationReport:
        report = cls()
        for name, c in data.get("columns", {}).items():
            report.columns[name] = ColumnReport.from_dict(c)
        for key, country in data.get("countries", {}).items():
            report.countries[str(key)] = CountryReport(
                rows=int(country["rows"]),
                columns={name: ColumnReport.from_dict(c) for name, c in country.get("columns", {}).items()},
            )
        for warning in data.get("country_mismatch", []):
            report.add_country_mismatch(
                str(warning["column"]), {str(warning["country"]): int(warning["rows"])}
            )
        return report

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NormalizationReport):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"NormalizationReport(rows={self.rows}, columns={list(self.columns)})"

    def render(self, title: str | None = "Normalization report") -> Table:
        """A rich Table: one line per column, invalid reasons spelled out; below it, the sentence of every
        reason code it (or `render_countries`) shows."""
        from rich.table import Table

        mismatches = self.country_mismatches()
        lines = []
        if mismatches:
            lines.append(
                "looks like another country: "
                + "; ".join(f"{w['column']} {w['share']:.0%} {w['country']}" for w in mismatches)
            )
        codes = [code for c in self.columns.values() for code in c.invalid_by_reason]
        codes += [code for code in map(country_reason, self.countries) if code is not None]
        lines += reason_legend(codes)
        table = Table(title=title, caption="\n".join(lines) or None, caption_justify="left")
        table.add_column("column")
        table.add_column("type")
        for name in ("rows", "ok", "null", "prehashed", "invalid"):
            table.add_column(name, justify="right")
        table.add_column("invalid by reason")
        for name, c in self.columns.items():
            reasons = ", ".join(f"{r}: {n}" for r, n in c.invalid_by_reason.most_common())
            table.add_row(
                name,
                c.pii_type,
                str(c.rows),
                str(c.ok),
                str(c.null),
                str(c.prehashed),
                str(c.invalid),
                reasons,
            )
        return table

    def render_countries(self, title: str | None = "Per country (ok/null/invalid)") -> Table | None:
        """A rich Table of the per-country breakdown (None without a country column): rows per country,
        then ok / null / invalid per column."""
        if not self.countries:
            return None
        from rich.table import Table

        table = Table(title=title)
        table.add_column("country")
        table.add_column("rows", justify="right")
        names = list(self.columns)
        for name in names:
            table.add_column(name, justify="right")
        table.add_column("note")
        for key in sorted(self.countries):
            country = self.countries[key]
            cells = []
            for name in names:
                c = country.columns.get(name)
                cells.append("-" if c is None else f"{c.ok + c.prehashed}/{c.null}/{c.invalid}")
            table.add_row(key, str(country.rows), *cells, country_reason(key) or "")
        return table

    def _repr_html_(self) -> str:
        """The notebook view: one row per column with its counts, top invalid reasons and notes (raw
        codes), the country-mismatch warnings and, with a country column, rows per country. Every name
        is escaped; no value of the data is ever in a report."""
        esc = html.escape
        header = "".join(
            f"<th>{h}</th>"
            for h in ("column", "type", "rows", "ok", "null", "prehashed", "invalid", "top reasons", "notes")
        )
        body = []
        for name, c in self.columns.items():
            counts = "".join(
                f'<td style="text-align:right">{n}</td>'
                for n in (c.rows, c.ok, c.null, c.prehashed, c.invalid)
            )
            body.append(
                f"<tr><td>{esc(name)}</td><td>{esc(c.pii_type)}</td>{counts}"
                f'<td title="{esc(_sentences(c.invalid_by_reason))}">'
                f"{esc(_counts_text(c.invalid_by_reason, TOP_REASONS))}</td>"
                f'<td title="{esc(_sentences(c.notes))}">{esc(_counts_text(c.notes))}</td></tr>'
            )
        parts = [
            '<div class="amc-report">',
            f"<p><b>Normalization report</b>: {self.rows} rows, {len(self.columns)} PII columns, "
            f"{self.invalid} invalid values</p>",
            f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(body)}</tbody></table>",
        ]
        for w in self.country_mismatches():
            parts.append(
                f"<p>{esc(w['column'])}: {w['rows']} rows ({w['share']:.0%}) look like "
                f"{esc(w['country'])}</p>"
            )
        if self.countries:
            rows = "".join(
                f'<tr><td>{esc(key)}</td><td style="text-align:right">{self.countries[key].rows}</td>'
                f"<td>{esc(country_reason(key) or '')}</td></tr>"
                for key in sorted(self.countries)
            )
            parts.append(
                "<table><thead><tr><th>country</th><th>rows</th><th>note</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>"
            )
        parts.append("</div>")
        return "".join(parts)

    def to_pandas(self, *, reasons: bool = False) -> pd.DataFrame:
        """The counts as a DataFrame (needs the `pandas` extra).

        Default: one row per column, indexed by column name: pii_type, rows, ok, null, prehashed, invalid
        and notes (the sum of `ColumnReport.notes`). `reasons=True`: the long form, one row per column and
        reason with columns column, pii_type, kind (`invalid` or `note`), reason (raw code) and rows,
        sorted by column then largest count; filter or pivot it as you like."""
        from amc_normalize.extras import needs_extra

        with needs_extra("pandas", "NormalizationReport.to_pandas"):
            import pandas
        if reasons:
            records = [
                {"column": name, "pii_type": c.pii_type, "kind": kind, "reason": reason, "rows": n}
                for name, c in self.columns.items()
                for kind, counts in (("invalid", c.invalid_by_reason), ("note", c.notes))
                for reason, n in counts.most_common()
            ]
            frame = pandas.DataFrame(records, columns=["column", "pii_type", "kind", "reason", "rows"])
            return frame.astype({"rows": "int64"})
        records = [
            {
                "column": name,
                "pii_type": c.pii_type,
                "rows": c.rows,
                "ok": c.ok,
                "null": c.null,
                "prehashed": c.prehashed,
                "invalid": c.invalid,
                "notes": sum(c.notes.values()),
            }
            for name, c in self.columns.items()
        ]
        columns = ["column", "pii_type", "rows", "ok", "null", "prehashed", "invalid", "notes"]
        frame = pandas.DataFrame(records, columns=columns).set_index("column")
        counts = {name: "int64" for name in columns[2:]}
        return frame.astype(counts)


def _sentences(counts: Counter[str]) -> str:
    """The sentence of every code in `counts` (amc_normalize.reasons), for a tooltip."""
    return " ".join(f"{code}: {describe_reason(code)}" for code, _ in counts.most_common())


def _counts_text(counts: Counter[str], limit: int | None = None) -> str:
    """`code: n, code: n` largest first, at most `limit` codes and then `+k more`."""
    ranked = counts.most_common()
    shown = ranked if limit is None else ranked[:limit]
    text = ", ".join(f"{code}: {n}" for code, n in shown)
    hidden = len(ranked) - len(shown)
    return f"{text}, +{hidden} more" if hidden else text

"""Per-column outcome counts of a normalization run; JSON round trip and a rich table."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from amc_normalize.mismatch import MIN_SHARE
from amc_normalize.types import Outcome, PiiType

if TYPE_CHECKING:
    from rich.table import Table


@dataclass
class ColumnReport:
    """Counts of one column. `rows == ok + null + prehashed + invalid`."""

    pii_type: str
    rows: int = 0
    ok: int = 0
    null: int = 0
    prehashed: int = 0
    invalid_by_reason: Counter[str] = field(default_factory=Counter)

    @property
    def invalid(self) -> int:
        return sum(self.invalid_by_reason.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "pii_type": self.pii_type,
            "rows": self.rows,
            "ok": self.ok,
            "null": self.null,
            "prehashed": self.prehashed,
            "invalid": self.invalid,
            "invalid_by_reason": dict(sorted(self.invalid_by_reason.items())),
        }


class NormalizationReport:
    """Counts per column: rows, null, prehashed, ok, invalid by reason. Never holds values."""

    def __init__(self) -> None:
        self.columns: dict[str, ColumnReport] = {}
        #: Column -> rows whose value looks like another supported country's (`amc_normalize.mismatch`).
        self.country_mismatch: dict[str, Counter[str]] = {}

    def _column(self, column: str, pii_type: str | PiiType) -> ColumnReport:
        entry = self.columns.get(column)
        if entry is None:
            entry = self.columns[column] = ColumnReport(pii_type=str(pii_type))
        return entry

    def add(
        self,
        column: str,
        pii_type: str | PiiType,
        outcome: Outcome | str,
        reason: str | None = None,
        count: int = 1,
    ) -> None:
        entry = self._column(column, pii_type)
        entry.rows += count
        outcome = Outcome(outcome)
        if outcome is Outcome.OK:
            entry.ok += count
        elif outcome is Outcome.NULL:
            entry.null += count
        elif outcome is Outcome.PREHASHED:
            entry.prehashed += count
        else:
            entry.invalid_by_reason[reason or "unknown"] += count

    def add_counts(
        self,
        column: str,
        pii_type: str | PiiType,
        *,
        rows: int,
        null: int = 0,
        prehashed: int = 0,
        invalid_by_reason: dict[str, int] | None = None,
    ) -> None:
        """Bulk form: OK is what remains of `rows`."""
        entry = self._column(column, pii_type)
        invalid = dict(invalid_by_reason or {})
        ok = rows - null - prehashed - sum(invalid.values())
        if ok < 0:
            raise ValueError("counts exceed rows")
        entry.rows += rows
        entry.ok += ok
        entry.null += null
        entry.prehashed += prehashed
        entry.invalid_by_reason.update(invalid)

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
            mine = self._column(name, theirs.pii_type)
            mine.rows += theirs.rows
            mine.ok += theirs.ok
            mine.null += theirs.null
            mine.prehashed += theirs.prehashed
            mine.invalid_by_reason.update(theirs.invalid_by_reason)

    @property
    def rows(self) -> int:
        """Rows seen (the largest per-column count; every column sees every row in a run)."""
        return max((c.rows for c in self.columns.values()), default=0)

    @property
    def invalid(self) -> int:
        return sum(c.invalid for c in self.columns.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "columns": {name: c.to_dict() for name, c in self.columns.items()},
            "country_mismatch": self.country_mismatches(),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NormalizationReport:
        report = cls()
        for name, c in data.get("columns", {}).items():
            report.columns[name] = ColumnReport(
                pii_type=str(c["pii_type"]),
                rows=int(c["rows"]),
                ok=int(c["ok"]),
                null=int(c["null"]),
                prehashed=int(c["prehashed"]),
                invalid_by_reason=Counter(
                    {str(k): int(v) for k, v in c.get("invalid_by_reason", {}).items()}
                ),
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
        """A rich Table: one line per column, invalid reasons spelled out."""
        from rich.table import Table

        mismatches = self.country_mismatches()
        caption = None
        if mismatches:
            caption = "looks like another country: " + "; ".join(
                f"{w['column']} {w['share']:.0%} {w['country']}" for w in mismatches
            )
        table = Table(title=title, caption=caption)
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

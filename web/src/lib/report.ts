// Reads the normalization report (amc_normalize NormalizationReport.to_dict(): {rows, columns: {name:
// {pii_type, rows, ok, null, prehashed, invalid, invalid_by_reason}}}) defensively: it arrives as a
// free-form object, so every number is checked.

export interface ReportRow {
  column: string;
  piiType: string;
  rows: number;
  ok: number;
  null: number;
  prehashed: number;
  invalid: number;
  invalidShare: number;
  reasons: Array<{ reason: string; count: number }>;
}

export interface CountryRow {
  /** Alpha-2 code, or "unknown" for rows whose country column resolved to no country. */
  country: string;
  rows: number;
  /** Why the rows got no country rules (country.unknown / country.unsupported), or null. */
  reason: string | null;
  columns: ReportRow[];
}

export interface Mismatch {
  column: string;
  country: string;
  rows: number;
  share: number;
}

export interface ParsedReport {
  rows: number;
  columns: ReportRow[];
  /** With a per-row country column: the same counts per country (`normalization.countries`). */
  countries: CountryRow[];
  /** Columns whose values look like another country's (`normalization.country_mismatch`). */
  mismatches: Mismatch[];
}

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

function parseColumns(value: unknown): ReportRow[] {
  return Object.entries(obj(value)).map(([column, raw]) => {
    const c = obj(raw);
    const rows = num(c.rows);
    const reasons = Object.entries(obj(c.invalid_by_reason))
      .map(([reason, count]) => ({ reason, count: num(count) }))
      .sort((a, b) => b.count - a.count);
    const invalid = num(c.invalid);
    return {
      column,
      piiType: typeof c.pii_type === "string" ? c.pii_type : "",
      rows,
      ok: num(c.ok),
      null: num(c.null),
      prehashed: num(c.prehashed),
      invalid,
      invalidShare: rows > 0 ? invalid / rows : 0,
      reasons,
    };
  });
}

export function parseReport(data: unknown): ParsedReport {
  const rec = obj(data);
  // A job report may wrap the normalization report under "normalization".
  const inner = rec.normalization && typeof rec.normalization === "object" ? obj(rec.normalization) : rec;
  const countries = Object.entries(obj(inner.countries))
    .map(([country, raw]) => {
      const c = obj(raw);
      return { country, rows: num(c.rows), reason: typeof c.reason === "string" ? c.reason : null, columns: parseColumns(c.columns) };
    })
    .sort((a, b) => b.rows - a.rows || a.country.localeCompare(b.country));
  const mismatches = (Array.isArray(inner.country_mismatch) ? inner.country_mismatch : []).flatMap((raw) => {
    const m = obj(raw);
    return typeof m.column === "string" && typeof m.country === "string" ? [{ column: m.column, country: m.country, rows: num(m.rows), share: num(m.share) }] : [];
  });
  return { rows: num(inner.rows), columns: parseColumns(inner.columns), countries, mismatches };
}

/** Above this share of invalid values a column is flagged: usually a wrong PII type or country. */
export const HIGH_INVALID_SHARE = 0.2;

export function reportWarnings(report: ParsedReport, country: string): string[] {
  const warnings: string[] = [];
  if (!country && report.columns.length > 0 && report.countries.length === 0) {
    warnings.push("No country is set: PII columns will not resolve to identities well (phone and address rules depend on the country).");
  }
  for (const c of report.columns) {
    if (c.invalidShare >= HIGH_INVALID_SHARE) {
      warnings.push(`${c.column}: ${Math.round(c.invalidShare * 100)}% of values are invalid for ${c.piiType}; check the PII type and the country.`);
    }
    if (c.rows > 0 && c.null === c.rows) warnings.push(`${c.column}: every value is empty.`);
  }
  for (const m of report.mismatches) {
    warnings.push(`${m.column}: ${Math.round(m.share * 100)}% of values look like ${m.country}'s, not ${country || "the chosen country"}'s. If the file mixes countries, mark its country column "Country (per row)".`);
  }
  return warnings;
}

// The job report's `consent` object (amc_uploader.job.consent.ConsentCounts.to_dict(): {policy, columns,
// eea_uk_rows, signals, reasons, rows_dropped, rows_kept_without_consent, invalid_values}); empty when
// consent played no part in the job.

export interface Count {
  key: string;
  count: number;
}

export interface ConsentSummary {
  policy: string;
  columns: Array<{ column: string; kind: string }>;
  eeaUkRows: number;
  signals: Count[];
  reasons: Count[];
  rowsDropped: number;
  rowsKeptWithoutConsent: number;
  invalid: Array<{ column: string; reason: string; count: number }>;
}

function counts(value: unknown): Count[] {
  return Object.entries(obj(value))
    .map(([key, count]) => ({ key, count: num(count) }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

export function parseConsent(data: unknown): ConsentSummary | null {
  const c = obj(obj(data).consent);
  if (Object.keys(c).length === 0) return null;
  const invalid = Object.entries(obj(c.invalid_values)).flatMap(([column, reasons]) =>
    counts(reasons).map(({ key, count }) => ({ column, reason: key, count })),
  );
  return {
    policy: typeof c.policy === "string" ? c.policy : "",
    columns: Object.entries(obj(c.columns)).map(([column, kind]) => ({ column, kind: typeof kind === "string" ? kind : "" })),
    eeaUkRows: num(c.eea_uk_rows),
    signals: counts(c.signals),
    reasons: counts(c.reasons),
    rowsDropped: num(c.rows_dropped),
    rowsKeptWithoutConsent: num(c.rows_kept_without_consent),
    invalid,
  };
}

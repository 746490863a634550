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

export interface ParsedReport {
  rows: number;
  columns: ReportRow[];
}

const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) ? v : 0);

export function parseReport(data: unknown): ParsedReport {
  const rec = data && typeof data === "object" ? (data as Record<string, unknown>) : {};
  // A job report may wrap the normalization report under "normalization".
  const inner = rec.normalization && typeof rec.normalization === "object" ? (rec.normalization as Record<string, unknown>) : rec;
  const cols = inner.columns && typeof inner.columns === "object" ? (inner.columns as Record<string, unknown>) : {};
  const columns: ReportRow[] = Object.entries(cols).map(([column, value]) => {
    const c = value && typeof value === "object" ? (value as Record<string, unknown>) : {};
    const rows = num(c.rows);
    const reasonsRec = c.invalid_by_reason && typeof c.invalid_by_reason === "object" ? (c.invalid_by_reason as Record<string, unknown>) : {};
    const reasons = Object.entries(reasonsRec)
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
  return { rows: num(inner.rows), columns };
}

/** Above this share of invalid values a column is flagged: usually a wrong PII type or country. */
export const HIGH_INVALID_SHARE = 0.2;

export function reportWarnings(report: ParsedReport, country: string): string[] {
  const warnings: string[] = [];
  if (!country && report.columns.length > 0) {
    warnings.push("No country is set: PII columns will not resolve to identities well (phone and address rules depend on the country).");
  }
  for (const c of report.columns) {
    if (c.invalidShare >= HIGH_INVALID_SHARE) {
      warnings.push(`${c.column}: ${Math.round(c.invalidShare * 100)}% of values are invalid for ${c.piiType}; check the PII type and the country.`);
    }
    if (c.rows > 0 && c.null === c.rows) warnings.push(`${c.column}: every value is empty.`);
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

function rec(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function counts(value: unknown): Count[] {
  return Object.entries(rec(value))
    .map(([key, count]) => ({ key, count: num(count) }))
    .sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

export function parseConsent(data: unknown): ConsentSummary | null {
  const c = rec(rec(data).consent);
  if (Object.keys(c).length === 0) return null;
  const invalid = Object.entries(rec(c.invalid_values)).flatMap(([column, reasons]) =>
    counts(reasons).map(({ key, count }) => ({ column, reason: key, count })),
  );
  return {
    policy: typeof c.policy === "string" ? c.policy : "",
    columns: Object.entries(rec(c.columns)).map(([column, kind]) => ({ column, kind: typeof kind === "string" ? kind : "" })),
    eeaUkRows: num(c.eea_uk_rows),
    signals: counts(c.signals),
    reasons: counts(c.reasons),
    rowsDropped: num(c.rows_dropped),
    rowsKeptWithoutConsent: num(c.rows_kept_without_consent),
    invalid,
  };
}

// The erasure form (right to be forgotten, spec B.13): a file of people in the data bucket, its identifier
// columns and country, the instances to erase from; and the summaries of recorded erasures.
import type { components } from "../api/schema";
import { PII_TYPES, type PiiType } from "./columns";

type Schemas = components["schemas"];
export type ErasureBody = Schemas["ErasureCreate"];

/** At most this many identifier columns per erasure (the API's limit). */
export const MAX_ERASURE_COLUMNS = 8;

export interface ErasureColumn {
  name: string;
  /** null: not an identifier (not sent). */
  piiType: PiiType | null;
}

export interface ErasureForm {
  sourceKey: string;
  columns: ErasureColumn[];
  /** "" = none: every row must then carry its country in the country column. */
  country: string;
  /** "" = one country for every row. */
  countryColumn: string;
  /** Empty: every registered instance. */
  instanceIds: string[];
}

/** The columns of a previewed file, each identifier pre-set from the API's suggestion (one column per type). */
export function erasureColumns(preview: Pick<Schemas["FilePreview"], "columns" | "suggestedCountryColumn">): ErasureColumn[] {
  const used = new Set<string>();
  return preview.columns.map((c) => {
    const suggested = c.suggestedPiiType ?? null;
    const piiType =
      c.name !== preview.suggestedCountryColumn && suggested && (PII_TYPES as readonly string[]).includes(suggested) && !used.has(suggested)
        ? (suggested as PiiType)
        : null;
    if (piiType) used.add(piiType);
    return { name: c.name, piiType };
  });
}

/** What keeps the form from being sent, or an empty list. */
export function erasureErrors(form: ErasureForm): string[] {
  const errors: string[] = [];
  if (!form.sourceKey.trim()) errors.push("Upload or choose the file of people to erase.");
  const chosen = form.columns.filter((c) => c.piiType);
  if (chosen.length === 0) errors.push("Choose at least one identifier column (email, phone, name, address…).");
  if (chosen.length > MAX_ERASURE_COLUMNS) errors.push(`Choose at most ${MAX_ERASURE_COLUMNS} identifier columns.`);
  const seen = new Map<string, string>();
  for (const c of chosen) {
    const other = seen.get(c.piiType as string);
    if (other) errors.push(`${c.piiType} is chosen for both ${other} and ${c.name}; each type can be used once.`);
    seen.set(c.piiType as string, c.name);
  }
  if (form.countryColumn && chosen.some((c) => c.name === form.countryColumn)) {
    errors.push(`${form.countryColumn} is the country column; it cannot also be an identifier.`);
  }
  if (!form.country && !form.countryColumn) errors.push("Choose the country of the people, or the column that holds each person's country.");
  return errors;
}

export function erasureBody(form: ErasureForm): ErasureBody {
  const pii: Record<string, PiiType> = {};
  for (const c of form.columns) if (c.piiType) pii[c.name] = c.piiType;
  return {
    sourceKey: form.sourceKey.trim(),
    pii: pii as ErasureBody["pii"],
    countryCode: (form.country || null) as ErasureBody["countryCode"],
    countryColumn: form.countryColumn || null,
    instanceIds: form.instanceIds.length ? [...form.instanceIds] : null,
  };
}

export interface ErasureProgress {
  requests: number;
  succeeded: number;
  failed: number;
  pending: number;
}

/** Requests of an erasure by state (AMC's statuses: SUCCEEDED / FAILED, anything else is still running). */
export function erasureProgress(erasure: Pick<Schemas["Erasure"], "requests">): ErasureProgress {
  let succeeded = 0;
  let failed = 0;
  for (const r of erasure.requests) {
    const s = (r.status ?? "").toUpperCase();
    if (r.error || s === "FAILED") failed++;
    else if (s === "SUCCEEDED" || s === "SUCCESS" || s === "COMPLETED") succeeded++;
  }
  return { requests: erasure.requests.length, succeeded, failed, pending: erasure.requests.length - succeeded - failed };
}

// Column definition rules of the wizard's step 4. Source: spec amc-api.md C.1-C.4 and E.3 (Step 4).
// Pure functions: the view shows each message next to the field it names.
// The enums come from the API's schema (src/api/enums.ts, generated): labels are the only thing added here.
import {
  ConsentType as API_CONSENT_TYPES,
  DataType as API_DATA_TYPES,
  EeaUkCountry,
  ExternalIdentityType,
  HashedPiiType,
  Period as API_PERIODS,
} from "../api/enums";

export const DATA_TYPES = API_DATA_TYPES;
export type DataType = (typeof DATA_TYPES)[number];

export const DATA_TYPE_LABELS: Record<DataType, string> = {
  STRING: "String",
  DECIMAL: "Decimal",
  INTEGER: "Integer (32-bit)",
  LONG: "Integer (64-bit)",
  TIMESTAMP: "Timestamp",
  DATE: "Date",
};

/** Hashed PII types AMC matches on (spec C.1 HashedPiiType) that a column can be hashed as; the per-row
 * country column (COUNTRY_CODE) is not a hashing choice. */
export type PiiType = Exclude<HashedPiiType, "COUNTRY_CODE">;
export const PII_TYPES: readonly PiiType[] = HashedPiiType.filter((t): t is PiiType => t !== "COUNTRY_CODE");

export const PII_LABELS: Record<PiiType, string> = {
  EMAIL: "Email",
  FIRST_NAME: "First name",
  LAST_NAME: "Last name",
  PHONE: "Phone",
  ADDRESS: "Address",
  CITY: "City",
  STATE: "State",
  ZIP: "ZIP / postal code",
};

export type ExternalIdRole = ExternalIdentityType;
export const EXTERNAL_ID_ROLES: readonly ExternalIdRole[] = ExternalIdentityType;
/** Consent signal kinds (spec C.1 consentType): TCF and GPP strings, the Amazon Consent Signal (ACS). */
export const CONSENT_TYPES = API_CONSENT_TYPES;
export type ConsentType = (typeof CONSENT_TYPES)[number];
export const CONSENT_LABELS: Record<ConsentType, string> = {
  TCF: "TCF string (IAB TCF v2)",
  GPP: "GPP string (IAB GPP)",
  AMZN_USER_DATA: "ACS: user data (GRANTED/DENIED)",
  AMZN_AD_STORAGE: "ACS: ad storage (GRANTED/DENIED)",
};

export const ROLES = ["PII", "DIMENSION", "METRIC", "MAIN_EVENT_TIME", "CONSENT", "COUNTRY", ...ExternalIdentityType] as const;
export type Role = (typeof ROLES)[number];

export function isExternalIdRole(role: Role): role is ExternalIdRole {
  return (EXTERNAL_ID_ROLES as readonly string[]).includes(role);
}

export const ROLE_LABELS: Record<Role, string> = {
  PII: "PII (hashed)",
  DIMENSION: "Dimension",
  METRIC: "Metric",
  MAIN_EVENT_TIME: "Main event time",
  CONSENT: "Consent (TCF/GPP/ACS)",
  COUNTRY: "Country (per row)",
  LIVERAMP: "LiveRamp ID",
  MAID: "Mobile ad ID",
  EXPERIAN: "Experian ID",
  IDFA: "Apple IDFA",
  KANTAR: "Kantar ID",
  MERKLE: "Merkle ID",
  NEUSTAR: "Neustar ID",
  REALID: "RealID",
  SAMBATV: "Samba TV ID",
};

/** Roles a dataset may use at most once (spec E.3 Step 4). */
export const SINGLE_USE_ROLES: ReadonlySet<Role> = new Set(["MAIN_EVENT_TIME", "COUNTRY", ...EXTERNAL_ID_ROLES]);
/** Roles that identify a person: AMC adds user_id / user_type when any exists (spec C.2). */
export const IDENTITY_ROLES: ReadonlySet<Role> = new Set(["PII", ...EXTERNAL_ID_ROLES]);
/** Columns AMC fills itself on identity resolution: a file must not bring them (spec C.2). */
export const RESERVED_NAMES: ReadonlySet<string> = new Set(["user_id", "user_type", "user_id_type"]);

export const PERIODS = ["DIMENSION", ...API_PERIODS] as const;
export type Period = (typeof PERIODS)[number];

export interface Suggestion {
  piiType: string | null;
  confidence: number;
  reason: string;
  /** The consent signal the header names (the API's rule). */
  consentType?: string | null;
  /** The file's most likely per-row country column. */
  country?: boolean;
}

export interface ColumnDraft {
  name: string;
  description: string;
  dataType: DataType;
  role: Role;
  piiType: PiiType | null;
  /** Set when role is CONSENT; absent in drafts saved before consent existed. */
  consentType?: ConsentType | null;
  nullable: boolean;
  excluded: boolean;
  suggestion?: Suggestion | null;
}

/** Data types a role allows; the first one is what choosing the role sets. */
export function allowedDataTypes(role: Role): readonly DataType[] {
  switch (role) {
    case "MAIN_EVENT_TIME":
      return ["TIMESTAMP", "DATE"];
    case "PII":
    case "CONSENT":
    case "COUNTRY":
      return ["STRING"];
    case "METRIC":
      return ["DECIMAL", "INTEGER", "LONG"];
    default:
      return isExternalIdRole(role) ? ["STRING"] : DATA_TYPES;
  }
}

/** Apply a role choice to a column the way the form does: force the data type, tick nullable for PII. */
export function withRole(
  column: ColumnDraft,
  role: Role,
  piiType: PiiType | null = column.piiType,
  consentType: ConsentType | null = column.consentType ?? null,
): ColumnDraft {
  const allowed = allowedDataTypes(role);
  const dataType = allowed.includes(column.dataType) ? column.dataType : (allowed[0] as DataType);
  const isPii = role === "PII";
  return {
    ...column,
    role,
    dataType,
    piiType: isPii ? piiType : null,
    consentType: role === "CONSENT" ? consentType : null,
    // PII values that fail normalization become null, so the column must accept nulls (spec E.3 Step 4);
    // AMC partitions by the main event time, so it can never be empty (AMC rejects a nullable one).
    // Consent and country cells may be blank (no signal; the default country).
    nullable: role === "MAIN_EVENT_TIME" ? false : isPii || IDENTITY_ROLES.has(role) || role === "CONSENT" || role === "COUNTRY" ? true : column.nullable,
  };
}

export const SUGGESTION_THRESHOLD = 0.5;

/** Build the initial draft of a file column, pre-filled from the backend's PII suggestion. */
export function draftFromFile(name: string, inferredType: string | null | undefined, suggestion: Suggestion | null, description: string): ColumnDraft {
  const dataType = (DATA_TYPES as readonly string[]).includes(inferredType ?? "") ? (inferredType as DataType) : "STRING";
  const base: ColumnDraft = {
    name,
    description,
    dataType,
    role: "DIMENSION",
    piiType: null,
    nullable: true,
    excluded: RESERVED_NAMES.has(name.toLowerCase()),
    suggestion,
  };
  const consent = suggestion?.consentType;
  if (consent && (CONSENT_TYPES as readonly string[]).includes(consent)) {
    return withRole(base, "CONSENT", null, consent as ConsentType);
  }
  if (suggestion?.country) return withRole(base, "COUNTRY");
  const pii = suggestion?.piiType;
  if (pii && (PII_TYPES as readonly string[]).includes(pii) && suggestion.confidence >= SUGGESTION_THRESHOLD) {
    return withRole(base, "PII", pii as PiiType);
  }
  return base;
}

export interface ColumnIssue {
  /** Column name, or null for a problem of the whole definition. */
  column: string | null;
  field: "name" | "role" | "piiType" | "consentType" | "dataType" | "nullable" | "definition";
  level: "error" | "warning";
  message: string;
}

export interface ColumnCheck {
  issues: ColumnIssue[];
  errors: ColumnIssue[];
  warnings: ColumnIssue[];
  ok: boolean;
}

export function checkColumns(columns: readonly ColumnDraft[], period: Period): ColumnCheck {
  const issues: ColumnIssue[] = [];
  const err = (column: string | null, field: ColumnIssue["field"], message: string) =>
    issues.push({ column, field, level: "error", message });
  const warn = (column: string | null, field: ColumnIssue["field"], message: string) =>
    issues.push({ column, field, level: "warning", message });

  const included = columns.filter((c) => !c.excluded);
  if (included.length === 0) err(null, "definition", "Keep at least one column: every column is excluded.");

  const names = new Map<string, number>();
  for (const c of included) names.set(c.name.toLowerCase(), (names.get(c.name.toLowerCase()) ?? 0) + 1);

  const piiUse = new Map<string, string[]>();
  const consentUse = new Map<string, string[]>();
  const roleUse = new Map<Role, string[]>();
  for (const c of included) {
    if (c.role === "PII" && c.piiType) piiUse.set(c.piiType, [...(piiUse.get(c.piiType) ?? []), c.name]);
    if (c.role === "CONSENT" && c.consentType) consentUse.set(c.consentType, [...(consentUse.get(c.consentType) ?? []), c.name]);
    roleUse.set(c.role, [...(roleUse.get(c.role) ?? []), c.name]);
  }

  for (const c of included) {
    if (c.name.trim() === "") err(c.name, "name", "This column has no name in the file; exclude it.");
    if ((names.get(c.name.toLowerCase()) ?? 0) > 1) {
      err(c.name, "name", `Two columns are named "${c.name}" (names are compared case-insensitively); exclude one.`);
    }
    if (RESERVED_NAMES.has(c.name.toLowerCase())) {
      err(c.name, "name", `"${c.name}" is reserved: AMC fills it on identity match. Exclude this column.`);
    }
    if (!(ROLES as readonly string[]).includes(c.role)) err(c.name, "role", "Choose a role.");
    if (c.role === "PII") {
      if (!c.piiType) {
        err(c.name, "piiType", "Choose the PII type of this column.");
      } else {
        const users = piiUse.get(c.piiType) ?? [];
        if (users.length > 1) {
          err(c.name, "piiType", `${PII_LABELS[c.piiType]} is used by ${users.join(", ")}; each PII type can be used once.`);
        }
      }
      if (!c.nullable) err(c.name, "nullable", "PII columns must be nullable: values that cannot be normalized upload as empty.");
    }
    if (c.role === "CONSENT") {
      if (!c.consentType) {
        err(c.name, "consentType", "Choose the consent signal of this column.");
      } else {
        const users = consentUse.get(c.consentType) ?? [];
        if (users.length > 1) {
          err(c.name, "consentType", `${CONSENT_LABELS[c.consentType]} is used by ${users.join(", ")}; each consent signal can be used once.`);
        }
      }
    }
    if (SINGLE_USE_ROLES.has(c.role)) {
      const users = roleUse.get(c.role) ?? [];
      if (users.length > 1) err(c.name, "role", `${ROLE_LABELS[c.role]} can be used once; also chosen for ${users.filter((n) => n !== c.name).join(", ")}.`);
    }
    const allowed = allowedDataTypes(c.role);
    if (!allowed.includes(c.dataType)) {
      err(c.name, "dataType", `${ROLE_LABELS[c.role]} needs data type ${allowed.map((t) => DATA_TYPE_LABELS[t]).join(" or ")}.`);
    }
    if (c.role === "MAIN_EVENT_TIME" && c.nullable) {
      err(c.name, "nullable", "The main event time cannot be empty: untick nullable.");
    }
    if (c.role === "MAIN_EVENT_TIME" && period === "DIMENSION") {
      err(c.name, "role", "A DIMENSION dataset has no main event time; choose a period or another role.");
    }
    const s = c.suggestion;
    if (s?.consentType && c.role !== "CONSENT") {
      warn(c.name, "role", `The header names a consent signal (${s.consentType}): unless marked Consent, EEA/UK rows have no consent.`);
    }
    if (c.role !== "PII" && s?.piiType && s.confidence >= SUGGESTION_THRESHOLD) {
      warn(c.name, "role", `Looks like ${s.piiType} (${Math.round(s.confidence * 100)}% confidence): unless marked PII it uploads as plain text.`);
    }
  }

  const eventTimes = roleUse.get("MAIN_EVENT_TIME") ?? [];
  if (period !== "DIMENSION" && eventTimes.length === 0 && included.length > 0) {
    err(null, "definition", "A FACT dataset (period " + period + ") needs one main event time column (Timestamp or Date).");
  }
  if (included.length > 0 && !included.some((c) => IDENTITY_ROLES.has(c.role))) {
    warn(null, "definition", "No PII or external id column: rows cannot be matched to Amazon identities.");
  }

  const errors = issues.filter((i) => i.level === "error");
  return { issues, errors, warnings: issues.filter((i) => i.level === "warning"), ok: errors.length === 0 };
}

export function issuesFor(check: ColumnCheck, column: string, field?: ColumnIssue["field"]): ColumnIssue[] {
  return check.issues.filter((i) => i.column === column && (field === undefined || i.field === field));
}

/** Whether a country (alpha-2) needs a consent signal on its records: the API's EEA/UK list. */
export function isEeaUk(country: string | null | undefined): boolean {
  return !!country && (EeaUkCountry as readonly string[]).includes(country);
}

export function countryColumn(columns: readonly ColumnDraft[]): string | null {
  return columns.find((c) => !c.excluded && c.role === "COUNTRY")?.name ?? null;
}

export function consentColumns(columns: readonly ColumnDraft[]): Record<string, ConsentType> {
  const out: Record<string, ConsentType> = {};
  for (const c of columns) if (!c.excluded && c.role === "CONSENT" && c.consentType) out[c.name] = c.consentType;
  return out;
}

/**
 * The warning of the columns step when EEA/UK records would go without consent: the default country is
 * in the EEA/UK, or the per-row country column holds EEA/UK countries (`eeaUkRows` of the preview, null
 * when unknown), and no consent column is chosen. AMC needs a signal on each such record (spec C.1).
 */
export function consentWarning(columns: readonly ColumnDraft[], defaultCountry: string, eeaUkRows: number | null): string | null {
  if (Object.keys(consentColumns(columns)).length > 0) return null;
  const perRow = countryColumn(columns);
  if (perRow && eeaUkRows !== null && eeaUkRows > 0) {
    return `Column ${perRow} has EEA/UK countries in ${eeaUkRows} of the rows read and no consent column is chosen: those rows are left out unless the missing-consent policy keeps them. Mark the column with the consent signal (TCF, GPP or ACS).`;
  }
  if (isEeaUk(defaultCountry)) {
    return `${defaultCountry} is in the EEA/UK and no consent column is chosen: AMC needs a consent signal on each of its records, so they are left out unless the missing-consent policy keeps them. Mark the column with the consent signal (TCF, GPP or ACS).`;
  }
  return null;
}

/** Per-column choices still open for PII: the types not used by another included column. */
export function freePiiTypes(columns: readonly ColumnDraft[], self: string): PiiType[] {
  const used = new Set(columns.filter((c) => !c.excluded && c.name !== self && c.role === "PII").map((c) => c.piiType));
  return PII_TYPES.filter((t) => !used.has(t));
}

/** Consent signals not used by another included column. */
export function freeConsentTypes(columns: readonly ColumnDraft[], self: string): ConsentType[] {
  const used = new Set(columns.filter((c) => !c.excluded && c.name !== self && c.role === "CONSENT").map((c) => c.consentType));
  return CONSENT_TYPES.filter((t) => !used.has(t));
}

// Import/export of column definitions. The export is our own format; the import also accepts the old
// app's column_definitions.json (spec E.3 Step 4: {name, description, data_type, column_type, pii_type, nullable}).

export interface ExportedColumn {
  name: string;
  description: string;
  dataType: DataType;
  role: Role;
  piiType: PiiType | null;
  consentType: ConsentType | null;
  nullable: boolean;
  excluded: boolean;
}

export function exportColumns(columns: readonly ColumnDraft[]): ExportedColumn[] {
  return columns.map(({ name, description, dataType, role, piiType, consentType, nullable, excluded }) => ({
    name,
    description,
    dataType,
    role,
    piiType,
    consentType: consentType ?? null,
    nullable,
    excluded,
  }));
}

const OLD_ROLE: Record<string, Role> = {
  pii: "PII",
  dimension: "DIMENSION",
  metric: "METRIC",
  maineventtime: "MAIN_EVENT_TIME",
  "liveramp id": "LIVERAMP",
  "mobile ad id": "MAID",
  "experian id": "EXPERIAN",
};

function asRecord(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function str(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

export interface ImportResult {
  columns: ColumnDraft[];
  unknown: string[];
  missing: string[];
}

/**
 * Apply imported definitions onto the file's columns (matched by name). Columns of the file not in the
 * import keep their current draft (`missing`); imported names not in the file are reported (`unknown`).
 * Throws Error with a message naming the entry and the reason.
 */
export function importColumns(current: readonly ColumnDraft[], data: unknown): ImportResult {
  if (!Array.isArray(data)) throw new Error("Expected a JSON array of column definitions.");
  const byName = new Map<string, ColumnDraft>();
  data.forEach((entry, index) => {
    const rec = asRecord(entry);
    const name = rec ? str(rec.name) : null;
    if (!rec || !name) throw new Error(`Entry ${index + 1}: missing "name".`);
    const roleText = str(rec.role) ?? str(rec.column_type) ?? "DIMENSION";
    const role = (ROLES as readonly string[]).includes(roleText) ? (roleText as Role) : OLD_ROLE[roleText.toLowerCase()];
    if (!role) throw new Error(`Entry ${index + 1} (${name}): unknown role "${roleText}".`);
    const piiText = str(rec.piiType) ?? str(rec.pii_type);
    const piiType = piiText && (PII_TYPES as readonly string[]).includes(piiText) ? (piiText as PiiType) : null;
    if (piiText && !piiType) throw new Error(`Entry ${index + 1} (${name}): unknown PII type "${piiText}".`);
    const consentText = str(rec.consentType) ?? str(rec.consent_type);
    const consentType = consentText && (CONSENT_TYPES as readonly string[]).includes(consentText) ? (consentText as ConsentType) : null;
    if (consentText && !consentType) throw new Error(`Entry ${index + 1} (${name}): unknown consent signal "${consentText}".`);
    const typeText = (str(rec.dataType) ?? str(rec.data_type) ?? "STRING").toUpperCase();
    if (!(DATA_TYPES as readonly string[]).includes(typeText)) {
      throw new Error(`Entry ${index + 1} (${name}): unknown data type "${typeText}".`);
    }
    byName.set(name, {
      name,
      description: str(rec.description) ?? name,
      dataType: typeText as DataType,
      role,
      piiType: role === "PII" ? piiType : null,
      consentType: role === "CONSENT" ? consentType : null,
      nullable: typeof rec.nullable === "boolean" ? rec.nullable : true,
      excluded: rec.excluded === true,
    });
  });
  const fileNames = new Set(current.map((c) => c.name));
  const columns = current.map((c) => {
    const imported = byName.get(c.name);
    return imported ? { ...imported, suggestion: c.suggestion ?? null } : c;
  });
  return {
    columns,
    unknown: [...byName.keys()].filter((n) => !fileNames.has(n)),
    missing: current.filter((c) => !byName.has(c.name)).map((c) => c.name),
  };
}

export interface Compatibility {
  compatible: boolean;
  /** Dataset columns the file lacks: the upload would fail. */
  missing: string[];
  /** File columns the dataset does not have: they are not uploaded. */
  extra: string[];
}

/** Compare a file's columns with an existing dataset's (spec E.3 "Validate columns"). */
export function compareWithDataset(fileColumns: readonly string[], datasetColumns: readonly string[]): Compatibility {
  const file = new Set(fileColumns);
  const dataset = datasetColumns.filter((c) => !RESERVED_NAMES.has(c.toLowerCase()));
  const ds = new Set(dataset);
  const missing = dataset.filter((c) => !file.has(c));
  const extra = fileColumns.filter((c) => !ds.has(c));
  return { compatible: missing.length === 0, missing, extra };
}

/** Whether any file column reads as a timestamp or date: the candidates for a FACT dataset's event time. */
export function hasTimeColumn(columns: ReadonlyArray<{ inferredType?: string | null }>): boolean {
  return columns.some((c) => c.inferredType === "TIMESTAMP" || c.inferredType === "DATE");
}

/** A FACT draft without a main event time gets one: the first Timestamp column, else the first Date. */
export function withEventTime(columns: ColumnDraft[], period: Period): ColumnDraft[] {
  if (period === "DIMENSION" || columns.some((c) => !c.excluded && c.role === "MAIN_EVENT_TIME")) return columns;
  const times = columns.filter((c) => !c.excluded && c.role === "DIMENSION" && (c.dataType === "TIMESTAMP" || c.dataType === "DATE"));
  const pick = times.find((c) => c.dataType === "TIMESTAMP") ?? times[0];
  return pick ? columns.map((c) => (c === pick ? withRole(c, "MAIN_EVENT_TIME") : c)) : columns;
}

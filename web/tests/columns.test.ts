import { describe, expect, it } from "vitest";
import { ExternalIdentityType, HashedPiiType } from "../src/api/enums";
import {
  allowedDataTypes,
  checkColumns,
  compareWithDataset,
  draftFromFile,
  hasTimeColumn,
  withEventTime,
  exportColumns,
  freePiiTypes,
  IDENTITY_ROLES,
  importColumns,
  isExternalIdRole,
  issuesFor,
  PII_TYPES,
  ROLES,
  SINGLE_USE_ROLES,
  withRole,
  type ColumnDraft,
} from "../src/lib/columns";

function col(name: string, over: Partial<ColumnDraft> = {}): ColumnDraft {
  return { name, description: name, dataType: "STRING", role: "DIMENSION", piiType: null, nullable: true, excluded: false, ...over };
}

const ts = col("ts", { role: "MAIN_EVENT_TIME", dataType: "TIMESTAMP", nullable: false });
const email = col("email", { role: "PII", piiType: "EMAIL" });

describe("checkColumns", () => {
  it("accepts a valid FACT definition", () => {
    const check = checkColumns([email, ts, col("qty", { role: "METRIC", dataType: "LONG" })], "P1D");
    expect(check.errors).toEqual([]);
    expect(check.ok).toBe(true);
  });

  it("allows each PII type once and names both columns", () => {
    const check = checkColumns([email, col("email2", { role: "PII", piiType: "EMAIL" }), ts], "P1D");
    expect(check.ok).toBe(false);
    expect(issuesFor(check, "email", "piiType")[0]?.message).toBe("Email is used by email, email2; each PII type can be used once.");
    expect(issuesFor(check, "email2", "piiType")).toHaveLength(1);
  });

  it("ignores excluded columns for uniqueness", () => {
    const check = checkColumns([email, col("email2", { role: "PII", piiType: "EMAIL", excluded: true }), ts], "P1D");
    expect(check.ok).toBe(true);
  });

  it("requires a PII type for PII columns", () => {
    const check = checkColumns([col("x", { role: "PII" }), ts], "P1D");
    expect(issuesFor(check, "x", "piiType")[0]?.message).toMatch(/Choose the PII type/);
  });

  it("requires exactly one main event time for FACT", () => {
    expect(checkColumns([email], "P1D").errors.map((e) => e.message)).toContain(
      "A FACT dataset (period P1D) needs one main event time column (Timestamp or Date).",
    );
    const two = checkColumns([email, ts, col("ts2", { role: "MAIN_EVENT_TIME", dataType: "DATE", nullable: false })], "PT1H");
    expect(issuesFor(two, "ts2", "role")[0]?.message).toMatch(/can be used once/);
  });

  it("forbids a main event time for DIMENSION datasets", () => {
    const check = checkColumns([email, ts], "DIMENSION");
    expect(issuesFor(check, "ts", "role")[0]?.message).toMatch(/DIMENSION dataset has no main event time/);
    expect(checkColumns([email], "DIMENSION").ok).toBe(true);
  });

  it.each([
    ["MAIN_EVENT_TIME", "STRING", /Timestamp or Date/],
    ["PII", "LONG", /String/],
    ["LIVERAMP", "INTEGER", /String/],
    ["METRIC", "STRING", /Decimal or Integer/],
  ] as const)("forces data types: %s with %s", (role, dataType, message) => {
    const c = col("c", { role, dataType, piiType: role === "PII" ? "PHONE" : null });
    const check = checkColumns([c, ts], "P1D");
    expect(issuesFor(check, "c", "dataType")[0]?.message).toMatch(message);
  });

  it("reserves user_id and user_type unless excluded", () => {
    const check = checkColumns([email, ts, col("user_id"), col("USER_TYPE")], "P1D");
    expect(issuesFor(check, "user_id", "name")[0]?.message).toMatch(/reserved/);
    expect(issuesFor(check, "USER_TYPE", "name")).toHaveLength(1);
    expect(checkColumns([email, ts, col("user_id", { excluded: true })], "P1D").ok).toBe(true);
  });

  it("allows LiveRamp, MAID and Experian once each", () => {
    for (const role of ["LIVERAMP", "MAID", "EXPERIAN"] as const) {
      const check = checkColumns([ts, col("a", { role }), col("b", { role })], "P1D");
      expect(issuesFor(check, "a", "role")).toHaveLength(1);
    }
  });

  it("forbids a nullable main event time", () => {
    const check = checkColumns([email, { ...ts, nullable: true }], "P1D");
    expect(issuesFor(check, "ts", "nullable")[0]?.message).toMatch(/cannot be empty/);
    expect(withRole(col("t"), "MAIN_EVENT_TIME").nullable).toBe(false);
  });

  it("requires PII columns to be nullable", () => {
    const check = checkColumns([col("e", { role: "PII", piiType: "EMAIL", nullable: false }), ts], "P1D");
    expect(issuesFor(check, "e", "nullable")).toHaveLength(1);
  });

  it("rejects an all-excluded definition and duplicate names", () => {
    expect(checkColumns([col("a", { excluded: true })], "DIMENSION").errors[0]?.message).toMatch(/at least one column/);
    const dup = checkColumns([col("Name"), col("name"), email], "DIMENSION");
    expect(issuesFor(dup, "Name", "name")[0]?.message).toMatch(/Two columns/);
  });

  it("warns when no identity column exists and when a suggested PII column is not marked", () => {
    const check = checkColumns(
      [ts, col("mail", { suggestion: { piiType: "EMAIL", confidence: 0.92, reason: "name" } })],
      "P1D",
    );
    expect(check.ok).toBe(true);
    expect(check.warnings.map((w) => w.message)).toEqual([
      "Looks like EMAIL (92% confidence): unless marked PII it uploads as plain text.",
      "No PII or external id column: rows cannot be matched to Amazon identities.",
    ]);
  });
});

describe("withRole and draftFromFile", () => {
  it("forces the data type and ticks nullable for PII", () => {
    const c = withRole(col("x", { dataType: "LONG", nullable: false }), "PII", "PHONE");
    expect(c).toMatchObject({ role: "PII", piiType: "PHONE", dataType: "STRING", nullable: true });
    expect(withRole(col("t"), "MAIN_EVENT_TIME").dataType).toBe("TIMESTAMP");
    expect(withRole(col("d", { dataType: "DATE" }), "MAIN_EVENT_TIME").dataType).toBe("DATE");
    expect(withRole(c, "DIMENSION").piiType).toBeNull();
  });

  it("pre-fills PII from confident suggestions only", () => {
    expect(draftFromFile("email", "STRING", { piiType: "EMAIL", confidence: 0.9, reason: "" }, "Email")).toMatchObject({
      role: "PII",
      piiType: "EMAIL",
    });
    expect(draftFromFile("x", "LONG", { piiType: "ZIP", confidence: 0.3, reason: "" }, "X")).toMatchObject({
      role: "DIMENSION",
      dataType: "LONG",
    });
    expect(draftFromFile("user_id", null, null, "User id").excluded).toBe(true);
    expect(draftFromFile("y", "WEIRD", null, "Y").dataType).toBe("STRING");
  });

  it("lists PII types still free for a column", () => {
    const free = freePiiTypes([email, col("p", { role: "PII", piiType: "PHONE" })], "p");
    expect(free).toContain("PHONE");
    expect(free).not.toContain("EMAIL");
  });
});

describe("import/export", () => {
  it("round-trips our own format", () => {
    const cols = [email, ts, col("qty", { role: "METRIC", dataType: "LONG", excluded: true })];
    const blank = cols.map((c) => col(c.name));
    const result = importColumns(blank, JSON.parse(JSON.stringify(exportColumns(cols))));
    expect(exportColumns(result.columns)).toEqual(exportColumns(cols));
    expect(result.unknown).toEqual([]);
    expect(result.missing).toEqual([]);
  });

  it("accepts the old app's column_definitions.json", () => {
    const old = [
      { name: "email", description: "Email", data_type: "STRING", column_type: "PII", pii_type: "EMAIL", nullable: true },
      { name: "ts", description: "Ts", data_type: "TIMESTAMP", column_type: "MainEventTime", pii_type: "" },
      { name: "maid", description: "Maid", data_type: "STRING", column_type: "Mobile Ad ID", pii_type: "" },
      { name: "gone", description: "Gone", data_type: "STRING", column_type: "Dimension", pii_type: "" },
    ];
    const result = importColumns([col("email"), col("ts"), col("maid"), col("new")], old);
    expect(result.columns.map((c) => c.role)).toEqual(["PII", "MAIN_EVENT_TIME", "MAID", "DIMENSION"]);
    expect(result.unknown).toEqual(["gone"]);
    expect(result.missing).toEqual(["new"]);
  });

  it.each([
    [{}, "Expected a JSON array of column definitions."],
    [[{ description: "x" }], 'Entry 1: missing "name".'],
    [[{ name: "a", role: "BOSS" }], 'Entry 1 (a): unknown role "BOSS".'],
    [[{ name: "a", role: "PII", piiType: "SSN" }], 'Entry 1 (a): unknown PII type "SSN".'],
    [[{ name: "a", dataType: "BLOB" }], 'Entry 1 (a): unknown data type "BLOB".'],
  ])("rejects bad imports with a message: %j", (data, message) => {
    expect(() => importColumns([col("a")], data)).toThrow(message);
  });
});

describe("compareWithDataset", () => {
  it("reports missing dataset columns and extra file columns, ignoring AMC-managed ones", () => {
    expect(compareWithDataset(["email", "ts", "extra"], ["user_id", "user_type", "email", "ts", "qty"])).toEqual({
      compatible: false,
      missing: ["qty"],
      extra: ["extra"],
    });
    expect(compareWithDataset(["email"], ["user_id", "email"]).compatible).toBe(true);
  });
});

describe("enums from the API schema", () => {
  it("offers every hashed PII type of the API except the per-row country code", () => {
    expect([...PII_TYPES, "COUNTRY_CODE"].sort()).toEqual([...HashedPiiType].sort());
  });

  it("offers every external id type of the API as a single-use identity role", () => {
    for (const t of ExternalIdentityType) {
      expect(ROLES).toContain(t);
      expect(SINGLE_USE_ROLES.has(t)).toBe(true);
      expect(IDENTITY_ROLES.has(t)).toBe(true);
      expect(allowedDataTypes(t)).toEqual(["STRING"]);
    }
    expect(isExternalIdRole("PII")).toBe(false);
  });
});

describe("a period that fits the file", () => {
  const draft = (name: string, type: string) => draftFromFile(name, type, null, name);
  it("picks a FACT draft's main event time: the first Timestamp column, else a Date", () => {
    const cols = [draft("email", "STRING"), draft("day", "DATE"), draft("ts", "TIMESTAMP")];
    const out = withEventTime(cols, "P1D");
    expect(out.map((c) => c.role)).toEqual(["DIMENSION", "DIMENSION", "MAIN_EVENT_TIME"]);
    expect(out[2]!.nullable).toBe(false);
    expect(checkColumns(out, "P1D").errors.filter((e) => e.column === null)).toEqual([]);
    expect(withEventTime([draft("day", "DATE")], "P1D")[0]!.role).toBe("MAIN_EVENT_TIME");
  });

  it("leaves DIMENSION drafts, drafts with an event time and lists without time columns alone", () => {
    const cols = [draft("email", "STRING"), draft("ts", "TIMESTAMP")];
    expect(withEventTime(cols, "DIMENSION")).toBe(cols);
    const list = [draft("email", "STRING")];
    expect(withEventTime(list, "P1D")).toEqual(list);
    expect(hasTimeColumn([{ inferredType: "STRING" }])).toBe(false);
    expect(hasTimeColumn([{ inferredType: "STRING" }, { inferredType: "DATE" }])).toBe(true);
  });
});

import { describe, expect, it } from "vitest";
import { parseReport, reportWarnings } from "../src/lib/report";
import { adviceFor, isTerminal, statusLabel, statusTone } from "../src/lib/status";
import { describeProblem } from "../src/api/problem";

const report = {
  rows: 100,
  columns: {
    email: { pii_type: "EMAIL", rows: 100, ok: 70, null: 5, prehashed: 0, invalid: 25, invalid_by_reason: { no_at: 5, bad_domain: 20 } },
    phone: { pii_type: "PHONE", rows: 100, ok: 0, null: 100, prehashed: 0, invalid: 0, invalid_by_reason: {} },
  },
};

describe("report", () => {
  it("parses per-column counts and sorts reasons", () => {
    const parsed = parseReport(report);
    expect(parsed.rows).toBe(100);
    expect(parsed.columns[0]).toMatchObject({ column: "email", piiType: "EMAIL", invalid: 25, invalidShare: 0.25 });
    expect(parsed.columns[0]?.reasons[0]).toEqual({ reason: "bad_domain", count: 20 });
    expect(parseReport({ normalization: report }).columns).toHaveLength(2);
    expect(parseReport(null)).toEqual({ rows: 0, columns: [], countries: [], mismatches: [] });
    expect(parseReport({ columns: { x: { rows: "9" } } }).columns[0]?.rows).toBe(0);
  });

  it("warns about a missing country, a high invalid share and empty columns", () => {
    expect(reportWarnings(parseReport(report), "")).toEqual([
      expect.stringMatching(/No country is set/),
      "email: 25% of values are invalid for EMAIL; check the PII type and the country.",
      "phone: every value is empty.",
    ]);
    expect(reportWarnings(parseReport(report), "US")).toHaveLength(2);
  });
});

describe("per-country report", () => {
  const perCountry = {
    normalization: {
      rows: 5,
      columns: { phone: { pii_type: "PHONE", rows: 5, ok: 4, null: 0, prehashed: 0, invalid: 1, invalid_by_reason: { "phone.invalid": 1 } } },
      country_mismatch: [{ column: "zip", country: "DE", rows: 2, share: 0.4 }, { column: 3, country: "FR" }],
      countries: {
        DE: { rows: 2, reason: null, columns: { phone: { pii_type: "PHONE", rows: 2, ok: 2, null: 0, prehashed: 0, invalid: 0 } } },
        US: { rows: 3, reason: null, columns: { phone: { pii_type: "PHONE", rows: 3, ok: 2, null: 0, prehashed: 0, invalid: 1, invalid_by_reason: { "phone.invalid": 1 } } } },
        unknown: { rows: 0, reason: "country.unknown", columns: {} },
      },
    },
  };

  it("lists each country's rows and column counts, most rows first", () => {
    const parsed = parseReport(perCountry);
    expect(parsed.countries.map((c) => [c.country, c.rows, c.reason])).toEqual([
      ["US", 3, null],
      ["DE", 2, null],
      ["unknown", 0, "country.unknown"],
    ]);
    expect(parsed.countries[0]?.columns[0]).toMatchObject({ column: "phone", ok: 2, invalid: 1, invalidShare: 1 / 3 });
    expect(parsed.mismatches).toEqual([{ column: "zip", country: "DE", rows: 2, share: 0.4 }]);
  });

  it("warns about a country mismatch, and not about a missing default when rows carry their country", () => {
    const warnings = reportWarnings(parseReport(perCountry), "");
    expect(warnings.some((w) => /No country is set/.test(w))).toBe(false);
    expect(warnings).toContain('zip: 40% of values look like DE\'s, not the chosen country\'s. If the file mixes countries, mark its country column "Country (per row)".');
  });
});

describe("status", () => {
  it.each([
    ["SUCCESS", "ok", true],
    ["COMPLETED", "ok", true],
    ["SUCCEEDED", "ok", true],
    ["FAILED", "err", true],
    ["IN_PROGRESS", "run", false],
    ["SUBMITTED", "run", false],
    ["CANCELLED", "", true],
  ])("%s", (status, tone, terminal) => {
    expect(statusTone(status)).toBe(tone);
    expect(isTerminal(status)).toBe(terminal);
  });

  it("gives one word to our SUCCEEDED and AMC's SUCCESS/COMPLETED, and keeps unknown values", () => {
    expect(new Set(["SUCCEEDED", "SUCCESS", "COMPLETED"].map(statusLabel))).toEqual(new Set(["Done"]));
    expect(new Set(["FAILED", "ERROR"].map(statusLabel))).toEqual(new Set(["Failed"]));
    expect(statusLabel("in_progress")).toBe("Running");
    expect(statusLabel("NEW_THING")).toBe("NEW_THING");
    expect(statusLabel(null)).toBe("Unknown");
  });

  it("gives advice for known AMC failures only", () => {
    expect(adviceFor("AMC refused our credentials; reconnect")).toMatch(/reconnect to Amazon Ads/);
    expect(adviceFor("Access Denied reading s3://b/k")).toMatch(/data upload AWS account id/);
    expect(adviceFor("AMC rejected the request: BAD_REQUEST Bad request")).toMatch(/refused the upload request/);
    expect(adviceFor("something odd")).toBeNull();
    expect(adviceFor(null)).toBeNull();
  });
});

describe("describeProblem", () => {
  it.each([
    [401, {}, /session has ended/],
    [403, { error: "forbidden", message: "Administrators only." }, /Administrators only/],
    [422, { error: "validation_error", message: "datasetId: string does not match" }, /datasetId/],
    [429, { message: "slow down" }, /busy.*slow down/],
    [502, {}, /could not be reached/],
    [500, "<html>", /HTTP 500/],
  ])("HTTP %i", (status, body, message) => {
    const problem = describeProblem(status, body);
    expect(problem.message).toMatch(message);
    expect(problem.status).toBe(status);
  });
  it("keeps the server's error code", () => {
    expect(describeProblem(409, { error: "amc_conflict", message: "exists" }).code).toBe("amc_conflict");
  });
});

import { jobActive, metricEntries } from "../src/lib/status";

describe("jobActive and metricEntries", () => {
  it("keeps polling until the job and every instance are terminal", () => {
    expect(jobActive({ status: "RUNNING", instances: [] })).toBe(true);
    expect(jobActive({ status: "SUCCEEDED", instances: [{ status: "UPLOADING" }] })).toBe(true);
    expect(jobActive({ status: "SUCCEEDED", instances: [{ status: "SUCCEEDED" }, { status: "FAILED" }] })).toBe(false);
    expect(jobActive({ status: "FAILED", instances: [{ status: null }] })).toBe(true);
  });
  it("formats AMC metrics", () => {
    expect(metricEntries({ OutputRowCount: 1782332, note: "x", nested: {} })).toEqual([
      ["Output Row Count", "1,782,332"],
      ["note", "x"],
    ]);
    expect(metricEntries(null)).toEqual([]);
  });
});

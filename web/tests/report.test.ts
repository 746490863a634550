import { describe, expect, it } from "vitest";
import { parseReport, reportWarnings } from "../src/lib/report";
import { adviceFor, isTerminal, statusTone } from "../src/lib/status";
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
    expect(parseReport(null)).toEqual({ rows: 0, columns: [] });
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

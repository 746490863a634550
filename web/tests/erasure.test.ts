import { describe, expect, it } from "vitest";
import { erasureBody, erasureColumns, erasureErrors, erasureProgress, type ErasureForm } from "../src/lib/erasure";

const preview = (cols: Array<[string, string | null]>, country: string | null = null) => ({
  suggestedCountryColumn: country,
  columns: cols.map(([name, pii]) => ({ name, suggestedPiiType: pii }) as never),
});

const form = (over: Partial<ErasureForm> = {}): ErasureForm => ({
  sourceKey: "erasure/people.csv",
  columns: [{ name: "email", piiType: "EMAIL" }, { name: "phone", piiType: "PHONE" }, { name: "country", piiType: null }],
  country: "US",
  countryColumn: "",
  instanceIds: [],
  ...over,
});

describe("erasureColumns", () => {
  it("pre-sets each identifier from the suggestion, once per type, never the country column", () => {
    const cols = erasureColumns(preview([["email", "EMAIL"], ["mail2", "EMAIL"], ["name", "NAME"], ["land", "STATE"], ["note", null]], "land"));
    expect(cols).toEqual([
      { name: "email", piiType: "EMAIL" },
      { name: "mail2", piiType: null },
      { name: "name", piiType: null }, // NAME is a library type, not an AMC hashed PII type
      { name: "land", piiType: null },
      { name: "note", piiType: null },
    ]);
  });
});

describe("erasureErrors", () => {
  it("accepts a complete form", () => {
    expect(erasureErrors(form())).toEqual([]);
    expect(erasureErrors(form({ country: "", countryColumn: "country" }))).toEqual([]);
  });

  it("names what is missing or contradictory", () => {
    expect(erasureErrors(form({ sourceKey: " " }))).toEqual(["Upload or choose the file of people to erase."]);
    expect(erasureErrors(form({ columns: [{ name: "email", piiType: null }] }))[0]).toContain("at least one identifier column");
    const twice = form({ columns: [{ name: "a", piiType: "EMAIL" }, { name: "b", piiType: "EMAIL" }] });
    expect(erasureErrors(twice)).toEqual(["EMAIL is chosen for both a and b; each type can be used once."]);
    expect(erasureErrors(form({ countryColumn: "email" }))).toEqual(["email is the country column; it cannot also be an identifier."]);
    expect(erasureErrors(form({ country: "" }))[0]).toContain("Choose the country");
  });
});

describe("erasureBody", () => {
  it("sends the identifier columns, the country and the instances (none: every instance)", () => {
    expect(erasureBody(form())).toEqual({
      sourceKey: "erasure/people.csv",
      pii: { email: "EMAIL", phone: "PHONE" },
      countryCode: "US",
      countryColumn: null,
      instanceIds: null,
    });
    expect(erasureBody(form({ country: "", countryColumn: "country", instanceIds: ["amcsandbox01"] }))).toMatchObject({
      countryCode: null,
      countryColumn: "country",
      instanceIds: ["amcsandbox01"],
    });
  });
});

describe("erasureProgress", () => {
  it("counts the requests by state", () => {
    const req = (status: string | null, error: string | null = null) => ({ instanceId: "i", batch: 1, identityCount: 1, status, error }) as never;
    expect(erasureProgress({ requests: [req("SUCCEEDED"), req("PENDING"), req(null, "boom"), req("FAILED"), req(null)] })).toEqual({
      requests: 5,
      succeeded: 1,
      failed: 2,
      pending: 2,
    });
    expect(erasureProgress({ requests: [] })).toEqual({ requests: 0, succeeded: 0, failed: 0, pending: 0 });
  });
});

import { describe, expect, it } from "vitest";
import { ConsentType, CountryCode, EeaUkCountry } from "../src/api/enums";
import {
  checkColumns,
  CONSENT_LABELS,
  CONSENT_TYPES,
  consentColumns,
  consentWarning,
  countryColumn,
  draftFromFile,
  exportColumns,
  freeConsentTypes,
  importColumns,
  isEeaUk,
  issuesFor,
  ROLE_LABELS,
  ROLES,
  SINGLE_USE_ROLES,
  withRole,
  type ColumnDraft,
} from "../src/lib/columns";
import { datasetBody, jobBody, templateBody } from "../src/lib/payloads";
import { parseConsent } from "../src/lib/report";
import { emptyWizard, parseWizard, setFiles, startNewUpload } from "../src/state/wizard";

const c = (name: string, over: Partial<ColumnDraft> = {}): ColumnDraft => ({
  name, description: name, dataType: "STRING", role: "DIMENSION", piiType: null, nullable: true, excluded: false, ...over,
});

describe("consent and country roles", () => {
  it("come from the API's enums, with a label for each", () => {
    expect(CONSENT_TYPES).toEqual(ConsentType);
    expect(Object.keys(CONSENT_LABELS).sort()).toEqual([...ConsentType].sort());
    expect(ROLES).toContain("CONSENT");
    expect(ROLE_LABELS.CONSENT).toBe("Consent (TCF/GPP/ACS)");
    expect(ROLE_LABELS.COUNTRY).toBe("Country (per row)");
    expect(SINGLE_USE_ROLES.has("COUNTRY")).toBe(true);
    expect(SINGLE_USE_ROLES.has("CONSENT")).toBe(false);
  });

  it("are pre-set from the preview: consent by header, the suggested country column", () => {
    const tcf = draftFromFile("tcf_string", "STRING", { piiType: null, confidence: 0, reason: "", consentType: "TCF" }, "Tcf string");
    expect(tcf).toMatchObject({ role: "CONSENT", consentType: "TCF", piiType: null, dataType: "STRING", nullable: true });
    const country = draftFromFile("country", "STRING", { piiType: "STATE", confidence: 0.9, reason: "", country: true }, "Country");
    expect(country).toMatchObject({ role: "COUNTRY", piiType: null, consentType: null });
    expect(draftFromFile("x", "STRING", { piiType: null, confidence: 0, reason: "", consentType: "NOPE" }, "X").role).toBe("DIMENSION");
  });

  it("force a nullable STRING column and clear the other role's type", () => {
    const col = withRole(c("signal", { dataType: "INTEGER", nullable: false }), "CONSENT", null, "GPP");
    expect(col).toMatchObject({ dataType: "STRING", nullable: true, consentType: "GPP", piiType: null });
    expect(withRole(col, "DIMENSION").consentType).toBeNull();
    expect(withRole(c("ctry", { dataType: "LONG" }), "COUNTRY").dataType).toBe("STRING");
  });

  it("check that each consent signal is chosen and used once, and one country column", () => {
    const cols = [
      c("email", { role: "PII", piiType: "EMAIL" }),
      c("a", { role: "CONSENT", consentType: "TCF" }),
      c("b", { role: "CONSENT", consentType: "TCF" }),
      c("d", { role: "CONSENT", consentType: null }),
      c("c1", { role: "COUNTRY" }),
      c("c2", { role: "COUNTRY" }),
    ];
    const check = checkColumns(cols, "DIMENSION");
    expect(issuesFor(check, "b", "consentType")[0]?.message).toBe("TCF string (IAB TCF v2) is used by a, b; each consent signal can be used once.");
    expect(issuesFor(check, "d", "consentType")[0]?.message).toBe("Choose the consent signal of this column.");
    expect(issuesFor(check, "c2", "role")[0]?.message).toContain("Country (per row) can be used once");
    expect(freeConsentTypes(cols, "d")).toEqual(["GPP", "AMZN_AD_STORAGE", "AMZN_USER_DATA"]);
    const ok = checkColumns([cols[0]!, cols[1]!, cols[4]!], "DIMENSION");
    expect(ok.ok).toBe(true);
  });

  it("warn when a consent header is not marked consent", () => {
    const col = c("gpp_string", { suggestion: { piiType: null, confidence: 0, reason: "", consentType: "GPP" } });
    const check = checkColumns([c("email", { role: "PII", piiType: "EMAIL" }), col], "DIMENSION");
    expect(issuesFor(check, "gpp_string", "role")[0]).toMatchObject({ level: "warning" });
  });

  it("round-trip through export and import", () => {
    const cols = [c("tcf", { role: "CONSENT", consentType: "TCF" }), c("country", { role: "COUNTRY" })];
    const exported = exportColumns(cols);
    expect(exported[0]).toMatchObject({ role: "CONSENT", consentType: "TCF" });
    const back = importColumns([c("tcf"), c("country")], JSON.parse(JSON.stringify(exported)));
    expect(back.columns.map((x) => [x.role, x.consentType])).toEqual([["CONSENT", "TCF"], ["COUNTRY", null]]);
    expect(() => importColumns([c("tcf")], [{ name: "tcf", role: "CONSENT", consentType: "MAYBE" }])).toThrow('unknown consent signal "MAYBE"');
  });
});

describe("the EEA/UK consent warning", () => {
  it("uses the API's EEA/UK list", () => {
    expect(EeaUkCountry).toContain("DE");
    expect(EeaUkCountry).toContain("GB");
    expect(isEeaUk("FR")).toBe(true);
    expect(isEeaUk("US")).toBe(false);
    expect(isEeaUk("")).toBe(false);
    expect(CountryCode.filter(isEeaUk)).toEqual(["DE", "ES", "FR", "GB", "IT"]);
  });

  it("warns for an EEA/UK default country or EEA/UK rows of the country column without a consent column", () => {
    const base = [c("email", { role: "PII", piiType: "EMAIL" })];
    expect(consentWarning(base, "DE", null)).toContain("DE is in the EEA/UK and no consent column is chosen");
    expect(consentWarning(base, "US", null)).toBeNull();
    const perRow = [...base, c("country", { role: "COUNTRY" })];
    expect(consentWarning(perRow, "US", 3)).toContain("Column country has EEA/UK countries in 3 of the rows read");
    expect(consentWarning(perRow, "US", 0)).toBeNull();
    expect(consentWarning(perRow, "GB", 0)).toContain("GB is in the EEA/UK");
    const withConsent = [...perRow, c("tcf", { role: "CONSENT", consentType: "TCF" })];
    expect(consentWarning(withConsent, "DE", 3)).toBeNull();
    // An excluded consent column does not count.
    expect(consentWarning([...perRow, c("tcf", { role: "CONSENT", consentType: "TCF", excluded: true })], "DE", 3)).not.toBeNull();
    expect(countryColumn(perRow)).toBe("country");
    expect(consentColumns(withConsent)).toEqual({ tcf: "TCF" });
  });
});

describe("payloads with consent and country columns", () => {
  function state() {
    const w = emptyWizard();
    setFiles(w, "bucket", ["in/a.csv"]);
    w.instances = ["amcsandbox01"];
    w.dataset.id = "eu_customers";
    w.dataset.country = "DE";
    w.missingConsent = "keep";
    w.columns = [
      c("email", { role: "PII", piiType: "EMAIL" }),
      c("tcf", { role: "CONSENT", consentType: "TCF" }),
      c("country", { role: "COUNTRY" }),
      c("old_tcf", { role: "CONSENT", consentType: "GPP", excluded: true }),
    ];
    return w;
  }

  it("declares consentType and isCountryCode in the dataset", () => {
    const cols = datasetBody(state()).columns;
    expect(cols.map((x) => x.name)).toEqual(["email", "tcf", "country"]);
    expect(cols[0]).toMatchObject({ consentType: null, isCountryCode: false, piiType: "EMAIL" });
    expect(cols[1]).toMatchObject({ consentType: "TCF", isCountryCode: false, piiType: null, dataType: "STRING" });
    expect(cols[2]).toMatchObject({ consentType: null, isCountryCode: true, piiType: null });
  });

  it("sends the consent columns and the missing-consent policy with the job and the trigger template", () => {
    const body = jobBody(state());
    expect(body.missingConsent).toBe("keep");
    expect(body.countryColumn).toBe("country");
    expect(body.countryCode).toBe("DE");
    expect(body.columns.map((x) => x.consentType)).toEqual([null, "TCF", null, null]);
    expect(templateBody(state()).missingConsent).toBe("keep");
    const single = state();
    single.columns = single.columns.filter((x) => x.role !== "COUNTRY");
    expect(jobBody(single).countryColumn).toBeNull();
  });
});

describe("wizard state", () => {
  it("restores the missing-consent policy and defaults to drop", () => {
    const w = emptyWizard();
    expect(w.missingConsent).toBe("drop");
    w.missingConsent = "fail";
    expect(parseWizard(JSON.stringify(w)).missingConsent).toBe("fail");
    expect(parseWizard(JSON.stringify({ ...w, missingConsent: "sometimes" })).missingConsent).toBe("drop");
    const { missingConsent: _gone, ...old } = w;
    expect(parseWizard(JSON.stringify(old)).missingConsent).toBe("drop");
    startNewUpload(w);
    expect(w.missingConsent).toBe("fail");
  });
});

describe("parseConsent", () => {
  it("reads the report's consent counts", () => {
    const parsed = parseConsent({
      consent: {
        policy: "drop",
        columns: { tcf: "TCF", acs: "AMZN_USER_DATA" },
        eea_uk_rows: 4,
        signals: { TCF: 1, ACS: 2 },
        reasons: { "consent.missing": 1, "consent.denied": 1 },
        rows_dropped: 2,
        rows_kept_without_consent: 0,
        invalid_values: { tcf: { "consent.tcf_version": 1 } },
      },
    });
    expect(parsed).toEqual({
      policy: "drop",
      columns: [{ column: "tcf", kind: "TCF" }, { column: "acs", kind: "AMZN_USER_DATA" }],
      eeaUkRows: 4,
      signals: [{ key: "ACS", count: 2 }, { key: "TCF", count: 1 }],
      reasons: [{ key: "consent.denied", count: 1 }, { key: "consent.missing", count: 1 }],
      rowsDropped: 2,
      rowsKeptWithoutConsent: 0,
      invalid: [{ column: "tcf", reason: "consent.tcf_version", count: 1 }],
    });
  });

  it("is null when consent played no part, and survives junk", () => {
    expect(parseConsent({ consent: {} })).toBeNull();
    expect(parseConsent({})).toBeNull();
    expect(parseConsent(null)).toBeNull();
    expect(parseConsent({ consent: { eea_uk_rows: "x", signals: [1], reasons: null } })).toMatchObject({ eeaUkRows: 0, signals: [], reasons: [] });
  });
});

import { describe, expect, it } from "vitest";
import { datasetBody, jobBody } from "../src/lib/payloads";
import { emptyWizard, setFiles } from "../src/state/wizard";
import type { ColumnDraft } from "../src/lib/columns";

const c = (name: string, over: Partial<ColumnDraft>): ColumnDraft => ({
  name, description: name, dataType: "STRING", role: "DIMENSION", piiType: null, nullable: true, excluded: false, ...over,
});

function state() {
  const w = emptyWizard();
  setFiles(w, "bucket", ["in/a.csv"]);
  w.instances = ["amcsandbox01", "amcsandbox02"];
  w.dataset.id = "customers";
  w.columns = [
    c("email", { role: "PII", piiType: "EMAIL" }),
    c("ts", { role: "MAIN_EVENT_TIME", dataType: "TIMESTAMP", nullable: false }),
    c("qty", { role: "METRIC", dataType: "LONG" }),
    c("maid", { role: "MAID" }),
    c("note", { excluded: true }),
  ];
  return w;
}

describe("datasetBody", () => {
  it("maps roles to AMC column fields and drops excluded columns", () => {
    const body = datasetBody(state());
    expect(body).toMatchObject({ datasetId: "customers", period: "P1D", countryCode: "US", description: null });
    expect(body.columns.map((x) => x.name)).toEqual(["email", "ts", "qty", "maid"]);
    expect(body.columns[0]).toMatchObject({ piiType: "EMAIL", columnType: "DIMENSION", externalIdType: null });
    expect(body.columns[1]).toMatchObject({ isMainEventTime: true, dataType: "TIMESTAMP", nullable: false });
    expect(body.columns[2]).toMatchObject({ columnType: "METRIC" });
    expect(body.columns[3]).toMatchObject({ externalIdType: "MAID", piiType: null });
  });

  it("omits the period of a DIMENSION dataset and a not-applicable country", () => {
    const w = state();
    w.dataset.period = "DIMENSION";
    w.dataset.country = "";
    expect(datasetBody(w)).toMatchObject({ period: null, countryCode: null });
  });
});

describe("jobBody", () => {
  it("sends every column with drop flags and the new dataset's ADDITIVE strategy", () => {
    const w = state();
    w.dataset.updateStrategy = "FULL_REPLACE";
    const body = jobBody(w);
    expect(body).toMatchObject({ sourceKeys: ["in/a.csv"], instanceIds: ["amcsandbox01", "amcsandbox02"], datasetId: "customers", updateStrategy: "ADDITIVE", fileFormat: null });
    expect(body.columns.find((x) => x.name === "note")).toMatchObject({ drop: true, piiType: null });
    expect(body.columns.find((x) => x.name === "email")?.piiType).toBe("EMAIL");
  });

  it("uses the existing dataset id and the chosen strategy", () => {
    const w = state();
    w.dataset.mode = "existing";
    w.dataset.existingId = "sales";
    w.dataset.updateStrategy = "OVERLAP_REPLACE";
    w.fileFormat = "JSONL";
    expect(jobBody(w)).toMatchObject({ datasetId: "sales", updateStrategy: "OVERLAP_REPLACE", fileFormat: "JSONL" });
  });
});

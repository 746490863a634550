import { describe, expect, it } from "vitest";
import { nextTick } from "vue";
import {
  applyFileCheck,
  checkKey,
  createWizardStore,
  emptyWizard,
  fileProblem,
  firstBlockedBefore,
  parseWizard,
  rememberReturn,
  selectionKey,
  setFiles,
  claimWizard,
  startNewUpload,
  stepStatuses,
  takeReturn,
  toggleKey,
  WIZARD_KEY,
} from "../src/state/wizard";

function memoryStorage(): Storage {
  const map = new Map<string, string>();
  return {
    get length() {
      return map.size;
    },
    clear: () => map.clear(),
    getItem: (k) => map.get(k) ?? null,
    key: (i) => [...map.keys()][i] ?? null,
    removeItem: (k) => void map.delete(k),
    setItem: (k, v) => void map.set(k, String(v)),
  };
}

describe("wizard persistence", () => {
  it("saves every change and restores it in a new store (reload, re-login)", async () => {
    const storage = memoryStorage();
    const a = createWizardStore(storage);
    setFiles(a, "data-bucket", ["in/a.csv"]);
    a.instances.push("amcsandbox01");
    a.dataset.id = "purchases";
    await nextTick();
    const b = createWizardStore(storage);
    expect(b.keys).toEqual(["in/a.csv"]);
    expect(b.instances).toEqual(["amcsandbox01"]);
    expect(b.dataset.id).toBe("purchases");
  });

  it.each([null, "not json", "[]", '{"version": 2}'])("falls back to a fresh wizard for %j", (text) => {
    expect(parseWizard(text)).toEqual(emptyWizard());
  });

  it("repairs unknown enum values and wrong types", () => {
    const w = parseWizard(
      JSON.stringify({ version: 1, keys: ["a", 3], fileFormat: "XLS", dataset: { period: "P1Y", updateStrategy: "X", mode: "existing" } }),
    );
    expect(w.keys).toEqual(["a"]);
    expect(w.fileFormat).toBe("AUTO");
    expect(w.dataset).toMatchObject({ period: "P1D", updateStrategy: "ADDITIVE", mode: "existing" });
  });

  it("drops column definitions when the file selection changes", () => {
    const w = emptyWizard();
    setFiles(w, "b", ["x.csv"]);
    w.columns = [{ name: "a", description: "", dataType: "STRING", role: "DIMENSION", piiType: null, nullable: true, excluded: false }];
    w.columnsFor = selectionKey(w);
    setFiles(w, "b", ["x.csv"]);
    expect(w.columns).toHaveLength(1);
    toggleKey(w, "y.csv");
    expect(w.keys).toEqual(["x.csv", "y.csv"]);
    expect(w.columns).toEqual([]);
  });
});

describe("claimWizard", () => {
  it("keeps the wizard for the same user and starts fresh for another one", () => {
    const w = emptyWizard();
    setFiles(w, "b", ["ann.csv"]);
    claimWizard(w, "ann");
    expect(w.owner).toBe("ann");
    claimWizard(w, "ann");
    expect(w.keys).toEqual(["ann.csv"]);
    claimWizard(w, "");
    expect(w.keys).toEqual(["ann.csv"]);
    claimWizard(w, "bob");
    expect(w).toMatchObject({ owner: "bob", keys: [] });
  });
});

describe("startNewUpload", () => {
  it("clears the files, dataset and columns but keeps instances, folder and country", () => {
    const w = emptyWizard();
    setFiles(w, "b", ["in/x.csv"]);
    w.prefix = "in/";
    w.instances = ["i1"];
    w.dataset.id = "sales";
    w.dataset.country = "GB";
    w.jobIds = ["j1"];
    startNewUpload(w);
    expect(w).toMatchObject({ keys: [], prefix: "in/", instances: ["i1"], jobIds: [], columns: [] });
    expect(w.dataset).toMatchObject({ id: "", country: "GB" });
  });
});

describe("step statuses", () => {
  it("blocks later steps until earlier ones are complete", () => {
    const w = emptyWizard();
    let s = stepStatuses(w);
    expect(firstBlockedBefore(s, "dataset")?.blocker).toBe("Select at least one file.");
    setFiles(w, "b", ["x.csv"]);
    s = stepStatuses(w);
    expect(firstBlockedBefore(s, "dataset")?.blocker).toBe("You must select at least one AMC instance.");
    w.instances = ["i1"];
    w.dataset.id = "Bad Id";
    s = stepStatuses(w);
    expect(firstBlockedBefore(s, "dataset")).toBeNull();
    expect(firstBlockedBefore(s, "columns")?.id).toBe("dataset");
    w.dataset.id = "sales";
    expect(firstBlockedBefore(stepStatuses(w, ["sales"]), "columns")?.blocker).toMatch(/already exists/);
    expect(firstBlockedBefore(stepStatuses(w, []), "confirm")?.blocker).toBe("Define the columns of the selected file.");
    w.columns = [
      { name: "e", description: "", dataType: "STRING", role: "PII", piiType: "EMAIL", nullable: true, excluded: false },
      { name: "t", description: "", dataType: "TIMESTAMP", role: "MAIN_EVENT_TIME", piiType: null, nullable: false, excluded: false },
    ];
    w.columnsFor = selectionKey(w);
    expect(firstBlockedBefore(stepStatuses(w, []), "confirm")).toBeNull();
  });

  it("needs a passed compatibility check instead of column definitions for an existing dataset", () => {
    const w = emptyWizard();
    setFiles(w, "b", ["x.csv"]);
    w.instances = ["i1"];
    w.dataset.mode = "existing";
    expect(firstBlockedBefore(stepStatuses(w), "columns")?.blocker).toBe("Choose an existing dataset.");
    w.dataset.existingId = "sales";
    expect(firstBlockedBefore(stepStatuses(w), "confirm")?.blocker).toBe("Check the file against the existing dataset.");
    w.compatibleWith = `sales|${selectionKey(w)}`;
    expect(firstBlockedBefore(stepStatuses(w), "confirm")).toBeNull();
    toggleKey(w, "other.csv");
    expect(firstBlockedBefore(stepStatuses(w), "confirm")?.id).toBe("columns");
  });
});

describe("OAuth round trip", () => {
  it("restores the wizard and the page by state, once", () => {
    const storage = memoryStorage();
    const w = emptyWizard();
    setFiles(w, "b", ["in/customers.csv"]);
    w.dataset.id = "customers";
    rememberReturn(storage, "st-1", "/wizard/dataset", w, 1000);
    w.dataset.id = "changed after leaving";
    const back = takeReturn(storage, "st-1", 2000);
    expect(back?.returnTo).toBe("/wizard/dataset");
    expect(back?.wizard.dataset.id).toBe("customers");
    expect(back?.wizard.keys).toEqual(["in/customers.csv"]);
    expect(takeReturn(storage, "st-1", 2000)).toBeNull();
  });

  it("ignores unknown and expired states and cleans up abandoned entries", () => {
    const storage = memoryStorage();
    rememberReturn(storage, "old", "/settings", emptyWizard(), 0);
    expect(takeReturn(storage, "nope", 10)).toBeNull();
    rememberReturn(storage, "new", "/settings", emptyWizard(), 2 * 60 * 60 * 1000);
    expect(storage.length).toBe(1);
    rememberReturn(storage, "late", "/settings", emptyWizard(), 0);
    expect(takeReturn(storage, "late", 2 * 60 * 60 * 1000)).toBeNull();
  });

  it("keeps the store key stable", () => {
    expect(WIZARD_KEY).toBe("amc-uploader:wizard:v1");
  });
});

import { notices, notify, rotateNotices } from "../src/state/notices";

describe("notices", () => {
  it("stay for the page they were raised for and go with the next page change", () => {
    notify("success", "Connected to Amazon Ads.");
    rotateNotices();
    expect(notices.map((n) => n.text)).toEqual(["Connected to Amazon Ads."]);
    rotateNotices();
    expect(notices).toHaveLength(0);
  });
});

describe("the files check", () => {
  it("blocks the files step with the API's reason, for the selection it was made for only", () => {
    const w = emptyWizard();
    setFiles(w, "b", ["in/broken.csv"]);
    applyFileCheck(w, { problem: "in/broken.csv:3: ragged row", timeColumn: false });
    expect(fileProblem(w)).toBe("in/broken.csv:3: ragged row");
    expect(stepStatuses(w)[0]).toMatchObject({ complete: false, blocker: "in/broken.csv:3: ragged row" });
    expect(firstBlockedBefore(stepStatuses(w), "destinations")?.id).toBe("files");
    setFiles(w, "b", ["in/good.csv"]);
    expect(fileProblem(w)).toBeNull();
    expect(stepStatuses(w)[0]!.complete).toBe(true);
    w.fileFormat = "CSV";
    expect(checkKey(w)).toBe("b|in/good.csv|CSV");
  });

  it("sets the period from the file until the user picks one", () => {
    const w = emptyWizard();
    setFiles(w, "b", ["crm.csv"]);
    applyFileCheck(w, { problem: "", timeColumn: false });
    expect(w.dataset.period).toBe("DIMENSION");
    applyFileCheck(w, { problem: "", timeColumn: true });
    expect(w.dataset.period).toBe("P1D");
    w.dataset.period = "P1M";
    w.dataset.periodAuto = false;
    applyFileCheck(w, { problem: "", timeColumn: false });
    expect(w.dataset.period).toBe("P1M");
  });

  it("survives a reload", () => {
    const w = emptyWizard();
    setFiles(w, "b", ["x.csv"]);
    applyFileCheck(w, { problem: "x.csv:1: bad", timeColumn: false });
    const back = parseWizard(JSON.stringify(w));
    expect(back.fileCheck).toEqual(w.fileCheck);
    expect(parseWizard(JSON.stringify({ ...w, fileCheck: 7 })).fileCheck).toEqual(emptyWizard().fileCheck);
  });
});

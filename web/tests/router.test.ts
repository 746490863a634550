import { afterEach, describe, expect, it } from "vitest";
import type { RouteLocationNormalized } from "vue-router";
import { router, STEPS, wizardRedirect } from "../src/router";
import { session } from "../src/auth/session";
import { emptyWizard, replaceWizard, setFiles, wizard } from "../src/state/wizard";

const to = (step?: string) => ({ meta: step ? { step } : {} }) as unknown as RouteLocationNormalized;

afterEach(() => {
  replaceWizard(wizard, emptyWizard());
  session.signOut();
});

describe("router", () => {
  it("lists the six steps in order", () => {
    expect(STEPS.map((s) => s.path)).toEqual([
      "/wizard/files",
      "/wizard/destinations",
      "/wizard/dataset",
      "/wizard/columns",
      "/wizard/confirm",
      "/monitor",
    ]);
  });

  it("sends a wizard step to the first incomplete step before it", () => {
    expect(wizardRedirect(to("files"))).toBeNull();
    expect(wizardRedirect(to("confirm"))).toBe("/wizard/files");
    setFiles(wizard, "b", ["a.csv"]);
    expect(wizardRedirect(to("dataset"))).toBe("/wizard/destinations");
    wizard.instances = ["i1"];
    expect(wizardRedirect(to("dataset"))).toBeNull();
    expect(wizardRedirect(to("columns"))).toBe("/wizard/dataset");
    expect(wizardRedirect(to("monitor"))).toBeNull();
    expect(wizardRedirect(to())).toBeNull();
  });

  it("asks for sign-in first and keeps the target", async () => {
    await router.push("/wizard/dataset");
    expect(router.currentRoute.value.fullPath).toBe("/signin?next=/wizard/dataset");
  });
});

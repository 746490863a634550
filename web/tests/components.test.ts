import { describe, expect, it } from "vitest";
import { createApp, h, nextTick, ref } from "vue";
import BarChart from "../src/components/BarChart.vue";
import ConfirmDialog from "../src/components/ConfirmDialog.vue";
import ReasonText from "../src/components/ReasonText.vue";
import StatusBadge from "../src/components/StatusBadge.vue";
import { setReasons } from "../src/lib/reasons";
import { parseReport } from "../src/lib/report";

function mount(render: () => ReturnType<typeof h>): { el: HTMLElement; unmount: () => void } {
  const el = document.createElement("div");
  document.body.appendChild(el);
  const app = createApp({ render });
  app.mount(el);
  return { el, unmount: () => { app.unmount(); el.remove(); } };
}

describe("BarChart", () => {
  it("draws one stacked bar per PII column with widths proportional to the outcomes", () => {
    const report = parseReport({
      rows: 10,
      columns: {
        email: { pii_type: "EMAIL", rows: 10, ok: 5, null: 1, prehashed: 2, invalid: 2, invalid_by_reason: {} },
        zip: { pii_type: "ZIP", rows: 10, ok: 10, null: 0, prehashed: 0, invalid: 0, invalid_by_reason: {} },
      },
    });
    const { el, unmount } = mount(() => h(BarChart, { rows: report.columns }));
    const groups = el.querySelectorAll("svg g");
    expect(groups).toHaveLength(2);
    const widths = [...groups[0]!.querySelectorAll("rect")].map((r) => Number(r.getAttribute("width")));
    expect(widths).toEqual([180, 72, 36, 72]);
    expect(el.querySelector("svg")?.getAttribute("role")).toBe("img");
    expect(groups[0]!.querySelector("title")?.textContent).toBe("Valid: 50.0%");
    unmount();
  });
});

describe("StatusBadge", () => {
  it.each([
    ["SUCCESS", "badge ok", "Done"],
    ["SUCCEEDED", "badge ok", "Done"],
    ["FAILED", "badge err", "Failed"],
    ["IN_PROGRESS", "badge run", "Running"],
    ["SOMETHING_NEW", "badge run", "SOMETHING_NEW"],
  ])("%s", (status, cls, label) => {
    const { el, unmount } = mount(() => h(StatusBadge, { status }));
    const badge = el.querySelector("span");
    expect(badge?.className).toBe(cls);
    expect(el.textContent).toBe(label);
    // The API's raw value stays available: tooltip and data attribute.
    expect(badge?.getAttribute("title")).toBe(status);
    expect(badge?.dataset.status).toBe(status);
    unmount();
  });
});

describe("ReasonText", () => {
  it("shows the sentence of the API's table with the code as small text, and the code for an unknown one", async () => {
    setReasons([{ code: "phone.not_possible", text: "The phone number has too few or too many digits." }]);
    const { el, unmount } = mount(() => h("div", [h(ReasonText, { code: "phone.not_possible", count: 1234 }), h(ReasonText, { code: "new.code" })]));
    const [known, unknown] = [...el.querySelectorAll<HTMLElement>(".reason")];
    expect(known!.textContent).toBe("The phone number has too few or too many digits. (1,234) phone.not_possible");
    expect(known!.querySelector("[title]")?.getAttribute("title")).toBe("phone.not_possible");
    expect(unknown!.querySelector("[title]")?.textContent).toBe("new.code");
    unmount();
  });
});

describe("ConfirmDialog", () => {
  it("emits confirm and cancel and disables confirming while busy", async () => {
    const open = ref(false);
    const events: string[] = [];
    const busy = ref(false);
    const { el, unmount } = mount(() =>
      h(
        ConfirmDialog,
        { open: open.value, title: "Delete it?", confirmLabel: "Delete", danger: true, busy: busy.value, onConfirm: () => events.push("confirm"), onCancel: () => events.push("cancel") },
        () => h("p", "Gone for good."),
      ),
    );
    open.value = true;
    await nextTick();
    const buttons = [...el.querySelectorAll("button")];
    expect(buttons.map((b) => b.textContent?.trim())).toEqual(["Cancel", "Delete"]);
    expect(el.querySelector("dialog")?.getAttribute("aria-labelledby")).toBe("dlg-Delete-it-");
    buttons[1]!.click();
    buttons[0]!.click();
    expect(events).toEqual(["confirm", "cancel"]);
    busy.value = true;
    await nextTick();
    expect((el.querySelectorAll("button")[1] as HTMLButtonElement).disabled).toBe(true);
    unmount();
  });
});

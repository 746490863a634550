import { describe, expect, it } from "vitest";
import { createApp, h, nextTick, ref } from "vue";
import BarChart from "../src/components/BarChart.vue";
import ConfirmDialog from "../src/components/ConfirmDialog.vue";
import StatusBadge from "../src/components/StatusBadge.vue";
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
    ["SUCCESS", "badge ok"],
    ["FAILED", "badge err"],
    ["IN_PROGRESS", "badge run"],
  ])("%s", (status, cls) => {
    const { el, unmount } = mount(() => h(StatusBadge, { status }));
    expect(el.querySelector("span")?.className).toBe(cls);
    expect(el.textContent).toBe(status);
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

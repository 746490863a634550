// Reason codes as sentences. The API's GET /api/reasons is the one table (amc_normalize.reasons); it is
// read once per page load and shared by every view. Until it arrives, or for a code it does not know,
// the code itself is shown.
import { reactive } from "vue";
import { api, call } from "../api/client";

const sentences = reactive(new Map<string, string>());
let loading: Promise<void> | null = null;

/** Read the table once; a failed read is retried on the next call. */
export function loadReasons(): Promise<void> {
  loading ??= call(api.GET("/api/reasons"))
    .then((table) => setReasons(table.reasons))
    .catch(() => {
      loading = null;
    });
  return loading;
}

/** Fill the table (from the API's answer, or in tests); later loadReasons calls then read nothing. */
export function setReasons(reasons: ReadonlyArray<{ code: string; text: string }>): void {
  for (const r of reasons) sentences.set(r.code, r.text);
  loading ??= Promise.resolve();
}

/** The sentence for a reason code, or the code when the table has none. */
export function reasonText(code: string): string {
  return sentences.get(code) ?? code;
}

// One-off messages shown at the top of the next page (for example after the OAuth round trip).
import { reactive } from "vue";

export interface Notice {
  id: number;
  kind: "success" | "info" | "warning" | "error";
  text: string;
}

let next = 1;
export const notices = reactive<Notice[]>([]);

export function notify(kind: Notice["kind"], text: string): void {
  notices.push({ id: next++, kind, text });
}

export function dismiss(id: number): void {
  const i = notices.findIndex((n) => n.id === id);
  if (i >= 0) notices.splice(i, 1);
}

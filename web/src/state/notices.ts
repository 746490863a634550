// One-off messages shown at the top of the next page (for example after the OAuth round trip).
import { reactive } from "vue";

export interface Notice {
  id: number;
  kind: "success" | "info" | "warning" | "error";
  text: string;
  /** Set once the notice has been on screen for one page; it goes with the next page change. */
  seen?: boolean;
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

/** Called after every page change: drop notices already shown on the previous page. */
export function rotateNotices(): void {
  for (let i = notices.length - 1; i >= 0; i--) if (notices[i]!.seen) notices.splice(i, 1);
  notices.forEach((n) => (n.seen = true));
}

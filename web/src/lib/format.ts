const UNITS = ["B", "KB", "MB", "GB", "TB"];

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null || !Number.isFinite(bytes)) return "–";
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "–";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function formatPercent(share: number): string {
  if (!Number.isFinite(share)) return "–";
  const pct = share * 100;
  if (pct === 0) return "0%";
  if (pct > 0 && pct < 0.1) return "<0.1%";
  return `${pct.toFixed(pct < 10 ? 1 : 0)}%`;
}

export function formatCount(n: number | null | undefined): string {
  return n == null ? "–" : n.toLocaleString("en-US");
}

/** "Purchase date" for "purchase_date": the old app's default description (spec E.3 Step 4). */
export function defaultDescription(name: string): string {
  const spaced = name.replace(/[^A-Za-z0-9]+/g, " ").trim();
  if (!spaced) return name;
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

export function lastSegment(key: string): string {
  const parts = key.split("/").filter(Boolean);
  return parts[parts.length - 1] ?? key;
}

/** The format a key's name implies ("CSV", "JSONL", "PARQUET"), or null when the name does not tell. */
export function formatOfKey(key: string): "CSV" | "JSONL" | "PARQUET" | null {
  const m = key.toLowerCase().match(/\.(csv|tsv|json|jsonl|ndjson|parquet)(\.gz|\.gzip)?$/);
  if (!m) return null;
  return m[1] === "parquet" ? "PARQUET" : m[1] === "csv" || m[1] === "tsv" ? "CSV" : "JSONL";
}

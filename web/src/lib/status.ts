// Status words of jobs, per-instance uploads, AMC uploads and erasures: one vocabulary for all of them.
// The API keeps its raw values (our jobs say SUCCEEDED, AMC says SUCCESS or COMPLETED); the app shows
// the same word and badge for the same meaning, with the raw value as a tooltip.

export type StatusTone = "ok" | "err" | "run" | "";

const WORDS: Record<string, { label: string; tone: StatusTone }> = {
  QUEUED: { label: "Queued", tone: "run" },
  PENDING: { label: "Pending", tone: "run" },
  SUBMITTED: { label: "Queued", tone: "run" },
  RUNNING: { label: "Running", tone: "run" },
  IN_PROGRESS: { label: "Running", tone: "run" },
  STAGED: { label: "Staged", tone: "run" },
  UPLOADING: { label: "Uploading", tone: "run" },
  SUCCEEDED: { label: "Done", tone: "ok" },
  SUCCESS: { label: "Done", tone: "ok" },
  COMPLETED: { label: "Done", tone: "ok" },
  FAILED: { label: "Failed", tone: "err" },
  ERROR: { label: "Failed", tone: "err" },
  CANCELLED: { label: "Cancelled", tone: "" },
};

/** The word shown for a raw status; an unknown value is shown as it came. */
export function statusLabel(status: string | null | undefined): string {
  const s = (status ?? "").toUpperCase();
  if (!s) return "Unknown";
  return WORDS[s]?.label ?? s;
}

export function statusTone(status: string | null | undefined): StatusTone {
  const s = (status ?? "").toUpperCase();
  if (!s) return "";
  return WORDS[s]?.tone ?? "run";
}

/** Terminal statuses stop the polling (spec B.12: SUCCESS/COMPLETED done, FAILED error, else pending). */
export function isTerminal(status: string | null | undefined): boolean {
  const s = (status ?? "").toUpperCase();
  return s === "CANCELLED" || statusTone(s) === "ok" || statusTone(s) === "err";
}

const EXPLAIN: Record<string, string> = {
  QUEUED: "Waiting to start.",
  RUNNING: "Reading, normalizing and hashing the file.",
  STAGED: "Hashed files are staged; AMC is being asked to ingest them.",
  PENDING: "Waiting for the file to be processed.",
  UPLOADING: "AMC is ingesting the data.",
  SUBMITTED: "AMC accepted the upload and queued it.",
  IN_PROGRESS: "AMC is ingesting the data.",
  SUCCEEDED: "Every step finished.",
  SUCCESS: "AMC ingested the data.",
  COMPLETED: "AMC ingested the data.",
  FAILED: "Failed; see the message.",
  CANCELLED: "Cancelled before anything was uploaded.",
};

export function explainStatus(status: string | null | undefined): string {
  return EXPLAIN[(status ?? "").toUpperCase()] ?? "";
}

/**
 * Rewrite common AMC/job error texts as advice. The original text stays visible next to it, so nothing
 * is hidden from the user.
 */
export function adviceFor(message: string | null | undefined): string | null {
  if (!message) return null;
  const m = message.toLowerCase();
  if (m.includes("refused our credentials") || m.includes("unauthorized") || m.includes("invalid_grant")) {
    return "Amazon Ads no longer accepts the connection: reconnect to Amazon Ads in Settings, then retry.";
  }
  if (m.includes("throttl") || m.includes("429")) return "AMC was busy. Retry in a few minutes.";
  if (m.includes("access denied") || m.includes("accessdenied") || m.includes("bucket policy")) {
    return "AMC could not read the staged files. Check the instance's data upload AWS account id in Settings.";
  }
  if (m.includes("not found") && m.includes("dataset")) return "The dataset does not exist in this instance: create it or pick another.";
  if (m.includes("column") && (m.includes("missing") || m.includes("schema"))) {
    return "The file's columns do not match the dataset. Check the column definitions.";
  }
  if (m.includes("rejected the request") || m.includes("bad_request")) {
    return "AMC refused the upload request (its reason is below). Check that the dataset and the file's columns match, then retry.";
  }
  if (m.includes("timestamp") || m.includes("date format")) {
    return "Some dates or times are not in a format AMC accepts (yyyy-MM-ddTHH:mm:ssZ or yyyy-MM-dd).";
  }
  return null;
}

export interface JobLike {
  status: string;
  instances: Array<{ status?: string | null; uploadStatus?: string | null }>;
}

/** A job is still moving while it or any of its instance uploads has not reached a terminal status. */
export function jobActive(job: JobLike): boolean {
  return !isTerminal(job.status) || job.instances.some((i) => !isTerminal(i.status ?? "PENDING"));
}

/** Row counts AMC reports for an upload (metrics such as OutputRowCount), as label/value pairs. */
export function metricEntries(metrics: Record<string, unknown> | null | undefined): Array<[string, string]> {
  if (!metrics) return [];
  return Object.entries(metrics)
    .filter(([, v]) => typeof v === "number" || typeof v === "string")
    .map(([k, v]) => [k.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/_/g, " "), typeof v === "number" ? v.toLocaleString("en-US") : String(v)]);
}

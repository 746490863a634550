// Wizard state: one reactive object, saved to localStorage on every change, so a reload, a session
// expiry (re-login) or the Amazon Ads OAuth round trip never loses the user's work (the old app lost it,
// spec E.2).
import { reactive, watch } from "vue";
import { CountryCode, InputFormat, MissingConsentPolicy, UpdateStrategy as API_UPDATE_STRATEGIES } from "../api/enums";
import { checkColumns, PERIODS, type ColumnDraft, type Period } from "../lib/columns";
import { datasetIdError } from "../lib/validation";

export const UPDATE_STRATEGIES = API_UPDATE_STRATEGIES;
export type UpdateStrategy = (typeof UPDATE_STRATEGIES)[number];

export const FILE_FORMATS = ["AUTO", ...InputFormat] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

export const COUNTRIES = CountryCode;

export const MISSING_CONSENT_POLICIES = MissingConsentPolicy;
export type MissingConsent = (typeof MISSING_CONSENT_POLICIES)[number];

export interface DatasetChoice {
  mode: "new" | "existing";
  id: string;
  description: string;
  period: Period;
  /** True until the user picks a period: it then follows the file (an event-time column or not). */
  periodAuto: boolean;
  /** "" = not applicable: PII is hashed without country rules, AMC matches it poorly. */
  country: string;
  existingId: string;
  updateStrategy: UpdateStrategy;
}

export interface WizardState {
  version: 1;
  /** The user the wizard belongs to: another user signing in on this browser starts fresh. */
  owner: string;
  bucket: string;
  prefix: string;
  keys: string[];
  fileFormat: FileFormat;
  instances: string[];
  dataset: DatasetChoice;
  columns: ColumnDraft[];
  /** EEA/UK rows without a usable consent signal: keep, drop (AMC's rule) or fail the job. */
  missingConsent: MissingConsent;
  /** The files step's check of the selection (read as soon as files are chosen). */
  fileCheck: FileCheck;
  /** The file selection the columns were read from; columns are re-read when the selection changes. */
  columnsFor: string;
  /** For an existing dataset: "<dataset id>|<selection key>" once the compatibility check passed. */
  compatibleWith: string;
  jobIds: string[];
}

export interface FileCheck {
  /** `checkKey` of the selection this check is for; "" when none ran. */
  for: string;
  /** The API's one-line reason the files cannot be read, or "" when they can. */
  problem: string;
  /** Whether a column reads as a timestamp or date (a FACT dataset needs one as its event time). */
  timeColumn: boolean;
}

export const WIZARD_KEY = "amc-uploader:wizard:v1";
const RETURN_PREFIX = "amc-uploader:oauth-return:";
const RETURN_TTL_MS = 60 * 60 * 1000;

export function emptyWizard(): WizardState {
  return {
    version: 1,
    owner: "",
    bucket: "",
    prefix: "",
    keys: [],
    fileFormat: "AUTO",
    instances: [],
    dataset: {
      mode: "new",
      id: "",
      description: "",
      period: "P1D",
      periodAuto: true,
      country: "US",
      existingId: "",
      updateStrategy: "ADDITIVE",
    },
    columns: [],
    missingConsent: "drop",
    fileCheck: { for: "", problem: "", timeColumn: false },
    columnsFor: "",
    compatibleWith: "",
    jobIds: [],
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Parse a stored snapshot defensively: unknown or broken data gives a fresh wizard, never a crash. */
export function parseWizard(text: string | null): WizardState {
  const fresh = emptyWizard();
  if (!text) return fresh;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return fresh;
  }
  if (!isObject(data) || data.version !== 1) return fresh;
  const ds = isObject(data.dataset) ? data.dataset : {};
  const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  const s = (v: unknown, d: string) => (typeof v === "string" ? v : d);
  const period = s(ds.period, fresh.dataset.period);
  const strategy = s(ds.updateStrategy, fresh.dataset.updateStrategy);
  const format = s(data.fileFormat, fresh.fileFormat);
  const missingConsent = s(data.missingConsent, fresh.missingConsent);
  const check = isObject(data.fileCheck) ? data.fileCheck : {};
  return {
    version: 1,
    owner: s(data.owner, ""),
    bucket: s(data.bucket, ""),
    prefix: s(data.prefix, ""),
    keys: strings(data.keys),
    fileFormat: (FILE_FORMATS as readonly string[]).includes(format) ? (format as FileFormat) : "AUTO",
    instances: strings(data.instances),
    dataset: {
      mode: ds.mode === "existing" ? "existing" : "new",
      id: s(ds.id, ""),
      description: s(ds.description, ""),
      period: (PERIODS as readonly string[]).includes(period) ? (period as Period) : "P1D",
      periodAuto: ds.periodAuto !== false,
      country: s(ds.country, "US"),
      existingId: s(ds.existingId, ""),
      updateStrategy: (UPDATE_STRATEGIES as readonly string[]).includes(strategy) ? (strategy as UpdateStrategy) : "ADDITIVE",
    },
    columns: Array.isArray(data.columns) ? (data.columns as ColumnDraft[]) : [],
    missingConsent: (MISSING_CONSENT_POLICIES as readonly string[]).includes(missingConsent) ? (missingConsent as MissingConsent) : "drop",
    fileCheck: { for: s(check.for, ""), problem: s(check.problem, ""), timeColumn: check.timeColumn === true },
    columnsFor: s(data.columnsFor, ""),
    compatibleWith: s(data.compatibleWith, ""),
    jobIds: strings(data.jobIds),
  };
}

export function selectionKey(state: Pick<WizardState, "bucket" | "keys">): string {
  return `${state.bucket}|${[...state.keys].sort().join(",")}`;
}

/** What a file check depends on: the selection and the declared format. */
export function checkKey(state: Pick<WizardState, "bucket" | "keys" | "fileFormat">): string {
  return `${selectionKey(state)}|${state.fileFormat}`;
}

/** The files' problem, when the check of the current selection found one. */
export function fileProblem(state: Pick<WizardState, "bucket" | "keys" | "fileFormat" | "fileCheck">): string | null {
  return state.fileCheck.for === checkKey(state) && state.fileCheck.problem ? state.fileCheck.problem : null;
}

/** The period that fits the files: daily for events with a time column, none (DIMENSION) for a list. */
export function periodForFiles(timeColumn: boolean): Period {
  return timeColumn ? "P1D" : "DIMENSION";
}

/** Record the check of the current selection; while the user has not picked a period, it follows the file. */
export function applyFileCheck(state: WizardState, result: { problem: string; timeColumn: boolean }): void {
  state.fileCheck = { for: checkKey(state), problem: result.problem, timeColumn: result.timeColumn };
  if (!result.problem && state.dataset.periodAuto) state.dataset.period = periodForFiles(result.timeColumn);
}

/** Choose files; a different selection invalidates the column definitions (they came from the old file). */
export function setFiles(state: WizardState, bucket: string, keys: string[]): void {
  state.bucket = bucket;
  state.keys = [...new Set(keys)];
  if (state.columnsFor && state.columnsFor !== selectionKey(state)) {
    state.columns = [];
    state.columnsFor = "";
  }
}

export function toggleKey(state: WizardState, key: string): void {
  const keys = state.keys.includes(key) ? state.keys.filter((k) => k !== key) : [...state.keys, key];
  setFiles(state, state.bucket, keys);
}

export type StepId = "files" | "destinations" | "dataset" | "columns" | "confirm" | "monitor";

export interface StepStatus {
  id: StepId;
  complete: boolean;
  /** Why the user cannot go past this step yet. */
  blocker: string | null;
}

/** What blocks each step; `existingIds` are the dataset ids of the first selected instance. */
export function stepStatuses(state: WizardState, existingIds: readonly string[] = []): StepStatus[] {
  const files = state.keys.length > 0 ? fileProblem(state) : "Select at least one file.";
  const destinations = state.instances.length > 0 ? null : "You must select at least one AMC instance.";
  let dataset: string | null = null;
  if (state.dataset.mode === "new") {
    dataset = datasetIdError(state.dataset.id, existingIds);
  } else if (!state.dataset.existingId) {
    dataset = "Choose an existing dataset.";
  }
  let columns: string | null = null;
  if (state.dataset.mode === "existing") {
    if (state.compatibleWith !== `${state.dataset.existingId}|${selectionKey(state)}`) {
      columns = "Check the file against the existing dataset.";
    }
  } else {
    if (state.columns.length === 0 || state.columnsFor !== selectionKey(state)) {
      columns = "Define the columns of the selected file.";
    } else {
      const check = checkColumns(state.columns, state.dataset.period);
      columns = check.ok ? null : `${check.errors.length} column problem(s) to fix.`;
    }
  }
  const confirm = state.jobIds.length > 0 ? null : "Submit the upload.";
  return [
    { id: "files", complete: files === null, blocker: files },
    { id: "destinations", complete: destinations === null, blocker: destinations },
    { id: "dataset", complete: dataset === null, blocker: dataset },
    { id: "columns", complete: columns === null, blocker: columns },
    { id: "confirm", complete: confirm === null, blocker: confirm },
    { id: "monitor", complete: false, blocker: null },
  ];
}

/** The first step not complete before `target`, or null when the user may open `target`. */
export function firstBlockedBefore(statuses: readonly StepStatus[], target: StepId): StepStatus | null {
  for (const s of statuses) {
    if (s.id === target) return null;
    if (!s.complete) return s;
  }
  return null;
}

// OAuth round trip: before leaving for the Amazon consent page, remember where the user was and a
// snapshot of the wizard under the OAuth `state` value (one value, generated once; spec E.2's bug).

export interface PendingReturn {
  returnTo: string;
  wizard: WizardState;
  savedAt: number;
}

export function rememberReturn(storage: Storage, oauthState: string, returnTo: string, wizard: WizardState, now = Date.now()): void {
  const pending: PendingReturn = { returnTo, wizard: JSON.parse(JSON.stringify(wizard)) as WizardState, savedAt: now };
  storage.setItem(RETURN_PREFIX + oauthState, JSON.stringify(pending));
  // Drop stale entries of abandoned round trips.
  for (let i = storage.length - 1; i >= 0; i--) {
    const key = storage.key(i);
    if (!key?.startsWith(RETURN_PREFIX) || key === RETURN_PREFIX + oauthState) continue;
    try {
      const old = JSON.parse(storage.getItem(key) ?? "null") as PendingReturn | null;
      if (!old || now - old.savedAt > RETURN_TTL_MS) storage.removeItem(key);
    } catch {
      storage.removeItem(key);
    }
  }
}

/** Read and delete the entry saved for `oauthState`; null if unknown or expired. */
export function takeReturn(storage: Storage, oauthState: string, now = Date.now()): PendingReturn | null {
  const key = RETURN_PREFIX + oauthState;
  const text = storage.getItem(key);
  storage.removeItem(key);
  if (!text) return null;
  try {
    const pending = JSON.parse(text) as PendingReturn;
    if (now - pending.savedAt > RETURN_TTL_MS) return null;
    return { returnTo: pending.returnTo, wizard: parseWizard(JSON.stringify(pending.wizard)), savedAt: pending.savedAt };
  } catch {
    return null;
  }
}

/** The app's single wizard store, persisted to localStorage. */
export function createWizardStore(storage: Storage | null): WizardState {
  const state = reactive(parseWizard(storage?.getItem(WIZARD_KEY) ?? null)) as WizardState;
  if (storage) {
    watch(state, () => storage.setItem(WIZARD_KEY, JSON.stringify(state)), { deep: true, flush: "sync" });
  }
  return state;
}

/** Bind the wizard to the signed-in user; a different user gets a fresh wizard (no one else's files). */
export function claimWizard(state: WizardState, username: string): void {
  if (!username || state.owner === username) return;
  if (state.owner) replaceWizard(state, emptyWizard());
  state.owner = username;
}

/** A fresh wizard for the next upload; keeps the chosen instances, bucket folder, format and country. */
export function startNewUpload(state: WizardState): void {
  const fresh = emptyWizard();
  fresh.owner = state.owner;
  fresh.instances = [...state.instances];
  fresh.prefix = state.prefix;
  fresh.fileFormat = state.fileFormat;
  fresh.dataset.country = state.dataset.country;
  fresh.missingConsent = state.missingConsent;
  replaceWizard(state, fresh);
}

export function replaceWizard(state: WizardState, next: WizardState): void {
  Object.assign(state, next);
}

export const wizard: WizardState = createWizardStore(typeof localStorage === "undefined" ? null : localStorage);

// AMC instance records of the Settings table: validation and import of both our export format and the
// old app's amc_instances.json (spec E.3: instance_id, advertiser_id, marketplace_id,
// data_upload_account_id, tags [{value, key}]).
import { awsAccountIdError, MAX_INSTANCES, requiredError } from "./validation";

export interface InstanceDraft {
  instanceId: string;
  name: string;
  advertiserId: string;
  marketplaceId: string;
  dataUploadAwsAccountId: string;
  adsAccountId: string;
  tags: string[];
}

export type InstanceField = keyof InstanceDraft;

export const INSTANCE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function emptyInstance(): InstanceDraft {
  return { instanceId: "", name: "", advertiserId: "", marketplaceId: "", dataUploadAwsAccountId: "", adsAccountId: "", tags: [] };
}

export function instanceErrors(draft: InstanceDraft, otherIds: Iterable<string> = []): Partial<Record<InstanceField, string>> {
  const errors: Partial<Record<InstanceField, string>> = {};
  const id = draft.instanceId.trim();
  const idError = requiredError(id, "AMC instance id");
  if (idError) errors.instanceId = idError;
  else if (!INSTANCE_ID_PATTERN.test(id)) errors.instanceId = "Use letters, digits, dashes and underscores (at most 64).";
  else if ([...otherIds].includes(id)) errors.instanceId = "This instance is already registered.";
  const adv = requiredError(draft.advertiserId, "advertiser (AMC account) id");
  if (adv) errors.advertiserId = adv;
  const mkt = requiredError(draft.marketplaceId, "marketplace id");
  if (mkt) errors.marketplaceId = mkt;
  const acct = awsAccountIdError(draft.dataUploadAwsAccountId);
  if (acct) errors.dataUploadAwsAccountId = acct;
  if (draft.tags.length > 50) errors.tags = "Use at most 50 tags.";
  return errors;
}

function s(v: unknown): string {
  return typeof v === "string" ? v.trim() : typeof v === "number" ? String(v) : "";
}

function tagsOf(v: unknown): string[] {
  if (typeof v === "string") return v.split(/[\s,]+/).filter(Boolean);
  if (!Array.isArray(v)) return [];
  return v
    .map((t) => (typeof t === "string" ? t : t && typeof t === "object" ? s((t as Record<string, unknown>).value) : ""))
    .filter(Boolean);
}

/** Parse an instances import; throws Error naming the entry and the problem. */
export function parseInstancesImport(data: unknown): InstanceDraft[] {
  const list = Array.isArray(data)
    ? data
    : data && typeof data === "object" && Array.isArray((data as Record<string, unknown>).items)
      ? ((data as Record<string, unknown>).items as unknown[])
      : null;
  if (!list) throw new Error("Import failed: expected a JSON array of instances.");
  if (list.length > MAX_INSTANCES) throw new Error(`Import failed: at most ${MAX_INSTANCES} instances are allowed.`);
  const seen = new Set<string>();
  return list.map((entry, i) => {
    if (!entry || typeof entry !== "object") throw new Error(`Import failed: entry ${i + 1} is not an object.`);
    const r = entry as Record<string, unknown>;
    const draft: InstanceDraft = {
      instanceId: s(r.instanceId ?? r.instance_id),
      name: s(r.name ?? r.instanceName),
      advertiserId: s(r.advertiserId ?? r.advertiser_id),
      marketplaceId: s(r.marketplaceId ?? r.marketplace_id),
      dataUploadAwsAccountId: s(r.dataUploadAwsAccountId ?? r.data_upload_account_id ?? r.dataUploadAccountId),
      adsAccountId: s(r.adsAccountId ?? r.ads_account_id),
      tags: tagsOf(r.tags ?? r.tag_list),
    };
    const errors = instanceErrors(draft, seen);
    const first = Object.entries(errors)[0];
    if (first) throw new Error(`Import failed: entry ${i + 1} (${draft.instanceId || "no id"}): ${first[1]}`);
    seen.add(draft.instanceId);
    return draft;
  });
}

/** Filter instances by a text on id, name or tags (the old "Filter On" choice). */
export function filterInstances<T extends { instanceId: string; name?: string | null; tags?: string[] }>(
  items: readonly T[],
  text: string,
  on: "all" | "id" | "tags" = "all",
): T[] {
  const q = text.trim().toLowerCase();
  if (!q) return [...items];
  return items.filter((i) => {
    const inId = i.instanceId.toLowerCase().includes(q) || (i.name ?? "").toLowerCase().includes(q);
    const inTags = (i.tags ?? []).some((t) => t.toLowerCase().includes(q));
    return on === "id" ? inId : on === "tags" ? inTags : inId || inTags;
  });
}

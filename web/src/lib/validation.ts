// Pure validation rules shared by the forms. Each returns a message for the user or null when valid.
// Sources: spec amc-api.md A.3 (LwA credentials), B.5 (dataset ids), E.3 (Settings and wizard screens).
import { fieldLimits } from "../api/enums";

/** AMC dataset ids: lowercase letter first, then lowercase letters, digits, underscores (spec B.5): the API's rule. */
export const DATASET_ID_PATTERN = new RegExp(fieldLimits["DatasetCreate.datasetId"].pattern);
export const DATASET_ID_MAX_LENGTH: number = fieldLimits["DatasetCreate.datasetId"].maxLength;
/** LwA client id and secret: letters, digits, dashes and periods (spec A.3). */
export const LWA_CREDENTIAL_PATTERN = new RegExp(fieldLimits["CredentialsUpdate.clientId"].pattern);
/** AWS account ids are exactly 12 digits (spec E.3, data upload account id). */
export const AWS_ACCOUNT_ID_PATTERN = /^\d{12}$/;
/** The old app refused more than 259 instances: the bucket policy has to stay below 20 KB (spec D.6). */
export const MAX_INSTANCES = 259;

export function datasetIdError(id: string, existingIds: Iterable<string> = []): string | null {
  const value = id.trim();
  if (value === "") return "Enter a dataset id.";
  if (value !== id) return "The dataset id cannot start or end with spaces.";
  if (value.length > DATASET_ID_MAX_LENGTH) return `Use at most ${DATASET_ID_MAX_LENGTH} characters.`;
  if (/[A-Z]/.test(value)) return "Use lowercase letters only: AMC dataset ids are lowercase.";
  if (/\s/.test(value)) return "Spaces are not allowed; use an underscore instead.";
  if (!/^[a-z]/.test(value)) return "Start the dataset id with a lowercase letter.";
  if (!DATASET_ID_PATTERN.test(value)) {
    if (value.length < 2) return "Use at least 2 characters.";
    return "Use only lowercase letters, digits and underscores.";
  }
  for (const existing of existingIds) {
    if (existing === value) return "A dataset with that id already exists in the first selected instance.";
  }
  return null;
}

export function lwaClientIdError(value: string): string | null {
  if (value === "") return "Enter the client id.";
  if (!LWA_CREDENTIAL_PATTERN.test(value)) return "Client ID must contain only letters, numbers, dashes, and periods.";
  return null;
}

export function lwaClientSecretError(value: string): string | null {
  if (value === "") return "Enter the client secret.";
  if (!LWA_CREDENTIAL_PATTERN.test(value)) {
    return "Client Secret must contain only letters, numbers, dashes, and periods.";
  }
  return null;
}

export function awsAccountIdError(value: string): string | null {
  const v = value.trim();
  if (v === "") return "Enter the data upload AWS account id.";
  if (!AWS_ACCOUNT_ID_PATTERN.test(v)) return "An AWS account id is exactly 12 digits.";
  return null;
}

export function requiredError(value: string, label: string): string | null {
  return value.trim() === "" ? `Enter the ${label}.` : null;
}

/** Tags are typed into one field; spaces and commas separate them (as in the old app). */
export function splitTags(text: string): string[] {
  const seen = new Set<string>();
  for (const part of text.split(/[\s,]+/)) {
    const tag = part.trim();
    if (tag) seen.add(tag);
  }
  return [...seen];
}

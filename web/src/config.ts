// Runtime configuration: /runtime-config.json, written by `amc-uploader serve` locally and by the CDK
// stack in AWS, so one build runs everywhere.

export type AuthMode = "local" | "cognito";

export interface RuntimeConfig {
  apiBaseUrl: string;
  authMode: AuthMode;
  region: string;
  userPoolId: string;
  userPoolClientId: string;
  hostedUiDomain: string;
  redirectUri: string;
  dataBucket: string;
}

export class ConfigError extends Error {}

function text(record: Record<string, unknown>, key: string): string {
  const value = record[key];
  return typeof value === "string" ? value : "";
}

export function parseRuntimeConfig(data: unknown, origin: string): RuntimeConfig {
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    throw new ConfigError("runtime-config.json is not a JSON object.");
  }
  const rec = data as Record<string, unknown>;
  const authMode = text(rec, "authMode") || "local";
  if (authMode !== "local" && authMode !== "cognito") {
    throw new ConfigError(`runtime-config.json: authMode must be "local" or "cognito", not "${authMode}".`);
  }
  const config: RuntimeConfig = {
    apiBaseUrl: text(rec, "apiBaseUrl") || origin,
    authMode,
    region: text(rec, "region"),
    userPoolId: text(rec, "userPoolId"),
    userPoolClientId: text(rec, "userPoolClientId"),
    hostedUiDomain: text(rec, "hostedUiDomain"),
    redirectUri: text(rec, "redirectUri") || `${origin}/`,
    dataBucket: text(rec, "dataBucket"),
  };
  if (authMode === "cognito") {
    const missing = (["userPoolClientId", "hostedUiDomain"] as const).filter((k) => !config[k]);
    if (missing.length) throw new ConfigError(`runtime-config.json: cognito mode needs ${missing.join(", ")}.`);
  }
  return config;
}

/**
 * Base URL for the generated client. The OpenAPI paths already start with /api, so a configured base
 * ending in /api (API Gateway stage or local) is trimmed to avoid /api/api.
 */
export function clientBaseUrl(apiBaseUrl: string): string {
  return apiBaseUrl.replace(/\/+$/, "").replace(/\/api$/, "");
}

let current: RuntimeConfig | null = null;

export async function loadRuntimeConfig(fetchFn: typeof fetch = fetch): Promise<RuntimeConfig> {
  const response = await fetchFn("/runtime-config.json", { cache: "no-store" });
  if (!response.ok) throw new ConfigError(`Could not load /runtime-config.json (HTTP ${response.status}).`);
  current = parseRuntimeConfig(await response.json(), window.location.origin);
  return current;
}

export function setRuntimeConfig(config: RuntimeConfig): void {
  current = config;
}

export function runtimeConfig(): RuntimeConfig {
  if (!current) throw new ConfigError("Runtime configuration not loaded yet.");
  return current;
}

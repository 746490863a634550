// The typed API client, generated from web/openapi.json (`npm run gen:api`); no hand-written requests.
import createClient, { type Client, type Middleware } from "openapi-fetch";
import { session } from "../auth/session";
import { clientBaseUrl } from "../config";
import { describeProblem } from "./problem";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];

/** Routes that must not carry a bearer token (nor trigger re-login on 401). */
const PUBLIC_PATHS = new Set(["/api/health", "/api/auth/local-login", "/api/auth/local-refresh"]);

const pending = new Map<string, Request>();

const authMiddleware: Middleware = {
  async onRequest({ request, id, schemaPath }) {
    if (PUBLIC_PATHS.has(schemaPath)) return request;
    const token = await session.bearer();
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    pending.set(id, request.clone());
    return request;
  },
  async onResponse({ response, id }) {
    const copy = pending.get(id);
    pending.delete(id);
    if (response.status !== 401 || !copy) return response;
    // The token was refused (expired or revoked): refresh, or wait for the user to sign in again in
    // the dialog, then send the same request once more, so no work is lost.
    if (!(await session.refresh())) await session.waitForSignIn();
    const token = session.state.tokens?.idToken;
    if (token) copy.headers.set("Authorization", `Bearer ${token}`);
    return fetch(copy);
  },
  onError({ id }) {
    pending.delete(id);
  },
};

export let api: Client<paths> = createClient<paths>({ baseUrl: "" });

export function initApi(apiBaseUrl: string): Client<paths> {
  api = createClient<paths>({ baseUrl: clientBaseUrl(apiBaseUrl) });
  api.use(authMiddleware);
  return api;
}

/** Unwrap an openapi-fetch result: the data, or an ApiProblem with a plain-language message. */
export async function call<T>(
  request: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  const { data, error, response } = await request;
  if (!response.ok || error !== undefined) throw describeProblem(response.status, error);
  return data as T;
}

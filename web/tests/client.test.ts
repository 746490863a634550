import { afterEach, describe, expect, it, vi } from "vitest";
import { api, call, initApi } from "../src/api/client";
import { ApiProblem } from "../src/api/problem";
import { session } from "../src/auth/session";

function b64url(obj: unknown): string {
  return btoa(JSON.stringify(obj)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
function jwt(claims: Record<string, unknown>): string {
  return `${b64url({ alg: "RS256" })}.${b64url(claims)}.sig`;
}
const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

afterEach(() => {
  vi.unstubAllGlobals();
  session.signOut();
});

describe("generated client with the auth middleware", () => {
  it("sends the bearer token, trims /api from the base and maps errors to plain language", async () => {
    const seen: Array<{ url: string; auth: string | null }> = [];
    vi.stubGlobal("fetch", vi.fn(async (req: Request) => {
      seen.push({ url: req.url, auth: req.headers.get("Authorization") });
      return req.url.endsWith("/api/instances") ? json(200, { items: [] }) : json(403, { error: "forbidden", message: "Administrators only." });
    }));
    initApi("http://app.test/api/");
    const token = jwt({ exp: Math.floor(Date.now() / 1000) + 3600, "cognito:username": "u" });
    session.accept({ idToken: token, accessToken: token, refreshToken: "r", expiresIn: 3600 });
    expect(await call(api.GET("/api/instances"))).toEqual({ items: [] });
    expect(seen[0]).toEqual({ url: "http://app.test/api/instances", auth: `Bearer ${token}` });
    const failure = await call(api.GET("/api/settings")).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiProblem);
    expect((failure as ApiProblem).message).toBe("Administrators only.");
  });

  it("does not send a token to the public login route", async () => {
    const auth: Array<string | null> = [];
    vi.stubGlobal("fetch", vi.fn(async (req: Request) => {
      auth.push(req.headers.get("Authorization"));
      return json(401, { error: "unauthorized", message: "Wrong username or password." });
    }));
    initApi("http://app.test");
    const token = jwt({ exp: Math.floor(Date.now() / 1000) + 3600 });
    session.accept({ idToken: token, accessToken: token, refreshToken: "r", expiresIn: 3600 });
    const failure = (await call(api.POST("/api/auth/local-login", { body: { username: "a", password: "b" } })).catch((e: unknown) => e)) as ApiProblem;
    expect(auth).toEqual([null]);
    expect(failure.status).toBe(401);
  });

  it("on a refused token refreshes once and repeats the same request with its body", async () => {
    const old = jwt({ exp: Math.floor(Date.now() / 1000) + 3600, v: 1 });
    const fresh = jwt({ exp: Math.floor(Date.now() / 1000) + 3600, v: 2 });
    const bodies: string[] = [];
    vi.stubGlobal("fetch", vi.fn(async (req: Request) => {
      const auth = req.headers.get("Authorization");
      if (req.url.endsWith("/api/auth/local-refresh")) {
        expect(auth).toBeNull();
        return json(200, { idToken: fresh, accessToken: fresh, refreshToken: null, expiresIn: 3600 });
      }
      bodies.push(await req.text());
      return auth === `Bearer ${fresh}` ? json(201, { instanceId: "i1" }) : json(401, { error: "unauthorized", message: "expired" });
    }));
    initApi("http://app.test");
    const { configureSession } = await import("../src/auth/login");
    configureSession({ apiBaseUrl: "", authMode: "local", region: "", userPoolId: "", userPoolClientId: "", hostedUiDomain: "", redirectUri: "", dataBucket: "" });
    session.accept({ idToken: old, accessToken: old, refreshToken: "r1", expiresIn: 3600 });
    const body = { instanceId: "i1", advertiserId: "a", marketplaceId: "m", dataUploadAwsAccountId: "123456789012" };
    const created = await call(api.POST("/api/instances", { body }));
    expect(created).toMatchObject({ instanceId: "i1" });
    expect(bodies).toHaveLength(2);
    expect(JSON.parse(bodies[1]!)).toMatchObject(body);
    expect(session.state.tokens?.idToken).toBe(fresh);
    expect(session.state.tokens?.refreshToken).toBe("r1");
  });
});

import { describe, expect, it, vi } from "vitest";
import { Session, SESSION_KEY, type TokenResponse } from "../src/auth/session";
import { authorizeUrl, codeChallenge, hostedUiBase, logoutUrl } from "../src/auth/pkce";
import { decodeJwt } from "../src/auth/jwt";

function b64url(obj: unknown): string {
  return btoa(JSON.stringify(obj)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
function jwt(claims: Record<string, unknown>): string {
  return `${b64url({ alg: "RS256" })}.${b64url(claims)}.sig`;
}
function tokens(now: number, over: Partial<TokenResponse> = {}): TokenResponse {
  const claims = { exp: Math.floor(now / 1000) + 3600, "cognito:username": "admin", "cognito:groups": ["amc-uploader-admins"] };
  return { idToken: jwt(claims), accessToken: jwt(claims), refreshToken: "r1", expiresIn: 3600, ...over };
}

describe("Session", () => {
  it("reads the user and groups and persists tokens", () => {
    sessionStorage.clear();
    const s = new Session(sessionStorage, () => 1_000_000);
    s.accept(tokens(1_000_000));
    expect(s.state.username).toBe("admin");
    expect(s.isAdmin).toBe(true);
    expect(new Session(sessionStorage).state.username).toBe("admin");
    s.signOut();
    expect(sessionStorage.getItem(SESSION_KEY)).toBeNull();
  });

  it("refreshes near expiry and shares one refresh between concurrent calls", async () => {
    let now = 1_000_000;
    const s = new Session(null, () => now);
    const refresh = vi.fn(async () => tokens(now, { refreshToken: null }));
    s.setSource({ refresh });
    s.accept(tokens(now));
    expect(await s.bearer()).toBe(s.state.tokens?.idToken);
    expect(refresh).not.toHaveBeenCalled();
    now += 3600_000 - 30_000;
    await Promise.all([s.bearer(), s.bearer(), s.bearer()]);
    expect(refresh).toHaveBeenCalledTimes(1);
    expect(s.state.tokens?.refreshToken).toBe("r1");
    s.signOut();
  });

  it("keeps requests waiting after a failed refresh until the user signs in again", async () => {
    let now = 1_000_000;
    const s = new Session(null, () => now);
    s.setSource({ refresh: async () => Promise.reject(new Error("refresh token revoked")) });
    s.accept(tokens(now));
    now += 3600_000;
    let resolved: string | null | undefined;
    const pending = s.bearer().then((t) => (resolved = t));
    await new Promise((r) => setTimeout(r, 0));
    expect(s.state.expired).toBe(true);
    expect(resolved).toBeUndefined();
    const fresh = tokens(now, { idToken: jwt({ "cognito:username": "admin", v: 2 }) });
    s.accept(fresh);
    await pending;
    expect(resolved).toBe(fresh.idToken);
    expect(s.state.expired).toBe(false);
    s.signOut();
  });

  it("a refresh that fails after the user signed in again does not end the new session", async () => {
    let now = 1_000_000;
    const s = new Session(null, () => now);
    let fail: (e: Error) => void = () => undefined;
    s.setSource({ refresh: () => new Promise<TokenResponse>((_, reject) => (fail = reject)) });
    s.accept(tokens(now, { refreshToken: "revoked" }));
    now += 3600_000;
    const late = s.refresh(); // on its way with the old refresh token
    s.accept(tokens(now, { refreshToken: "r2" })); // the user signs in meanwhile
    fail(new Error("refresh token revoked"));
    expect(await late).toBe(true);
    expect(s.state.expired).toBe(false);
    expect(s.state.tokens?.refreshToken).toBe("r2");
    s.signOut();
  });

  it("is signed out without tokens", async () => {
    const s = new Session(null);
    expect(s.signedIn).toBe(false);
    expect(await s.bearer()).toBeNull();
  });
});

describe("PKCE and JWT helpers", () => {
  it("computes the RFC 7636 S256 challenge", async () => {
    // Appendix B of RFC 7636.
    expect(await codeChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });
  it("builds hosted UI URLs", () => {
    expect(hostedUiBase("ui1.auth.us-east-1.amazoncognito.com/")).toBe("https://ui1.auth.us-east-1.amazoncognito.com");
    const url = new URL(authorizeUrl({ domain: "d.example", clientId: "c", redirectUri: "https://app/", state: "s", challenge: "x" }));
    expect(url.pathname).toBe("/oauth2/authorize");
    expect(Object.fromEntries(url.searchParams)).toMatchObject({ response_type: "code", code_challenge_method: "S256", state: "s" });
    expect(logoutUrl("https://d.example", "c", "https://app/")).toBe("https://d.example/logout?client_id=c&logout_uri=https%3A%2F%2Fapp%2F");
  });
  it("decodes JWT claims and tolerates garbage", () => {
    expect(decodeJwt(jwt({ exp: 5 }))?.exp).toBe(5);
    expect(decodeJwt("garbage")).toBeNull();
    expect(decodeJwt("a.###.c")).toBeNull();
  });
});

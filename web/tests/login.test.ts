import { afterEach, describe, expect, it, vi } from "vitest";
import { completeCognitoSignIn } from "../src/auth/login";
import { session } from "../src/auth/session";
import type { RuntimeConfig } from "../src/config";

const config: RuntimeConfig = {
  apiBaseUrl: "https://app.test",
  authMode: "cognito",
  region: "us-east-1",
  userPoolId: "us-east-1_x",
  userPoolClientId: "client-1",
  hostedUiDomain: "auth.test",
  redirectUri: "https://app.test/",
  dataBucket: "b",
};

function b64url(obj: unknown): string {
  return btoa(JSON.stringify(obj)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
const jwt = `${b64url({ alg: "RS256" })}.${b64url({ exp: Math.floor(Date.now() / 1000) + 3600, "cognito:username": "ann" })}.s`;

afterEach(() => {
  vi.unstubAllGlobals();
  sessionStorage.clear();
  session.signOut();
});

describe("completeCognitoSignIn", () => {
  it("ignores URLs that are not our hosted UI callback", async () => {
    expect(await completeCognitoSignIn(config, new URL("https://app.test/redirect?code=c&state=s"))).toBeNull();
    sessionStorage.setItem("amc-uploader:pkce", JSON.stringify({ verifier: "v", state: "mine", returnTo: "/x" }));
    expect(await completeCognitoSignIn(config, new URL("https://app.test/?code=c&state=amazon-state"))).toBeNull();
    expect(await completeCognitoSignIn({ ...config, authMode: "local" }, new URL("https://app.test/?code=c&state=mine"))).toBeNull();
  });

  it("exchanges the code with the verifier and returns where the user was going", async () => {
    sessionStorage.setItem("amc-uploader:pkce", JSON.stringify({ verifier: "the-verifier", state: "mine", returnTo: "/datasets" }));
    const fetchMock = vi.fn(async () =>
      new Response(JSON.stringify({ id_token: jwt, access_token: jwt, refresh_token: "r", expires_in: 3600 }), { status: 200 }),
    );
    vi.stubGlobal("fetch", fetchMock);
    expect(await completeCognitoSignIn(config, new URL("https://app.test/?code=c1&state=mine"))).toBe("/datasets");
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("https://auth.test/oauth2/token");
    expect(Object.fromEntries(new URLSearchParams(String(init.body)))).toEqual({
      client_id: "client-1",
      grant_type: "authorization_code",
      code: "c1",
      redirect_uri: "https://app.test/",
      code_verifier: "the-verifier",
    });
    expect(session.state.username).toBe("ann");
    expect(sessionStorage.getItem("amc-uploader:pkce")).toBeNull();
  });

  it("sends a cancelled sign-in back to the sign-in page with the reason", async () => {
    sessionStorage.setItem("amc-uploader:pkce", JSON.stringify({ verifier: "v", state: "mine", returnTo: "/monitor" }));
    expect(await completeCognitoSignIn(config, new URL("https://app.test/?error=access_denied&state=mine"))).toBe(
      "/signin?next=%2Fmonitor&error=access_denied",
    );
  });
});

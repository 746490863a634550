// Sign-in flows. Local stack: username/password against /api/auth/local-login. AWS: Cognito hosted UI,
// authorization code with PKCE; the token endpoint is Cognito's, not our API.
import { api, call } from "../api/client";
import type { RuntimeConfig } from "../config";
import { authorizeUrl, codeChallenge, hostedUiBase, logoutUrl, randomToken } from "./pkce";
import { session, type TokenResponse, type TokenSource } from "./session";

const PKCE_KEY = "amc-uploader:pkce";

const localSource: TokenSource = {
  async refresh(refreshToken) {
    return call(api.POST("/api/auth/local-refresh", { body: { refreshToken } }));
  },
};

async function cognitoToken(config: RuntimeConfig, form: Record<string, string>): Promise<TokenResponse> {
  const response = await fetch(`${hostedUiBase(config.hostedUiDomain)}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ client_id: config.userPoolClientId, ...form }).toString(),
  });
  if (!response.ok) throw new Error(`Sign-in failed (HTTP ${response.status}).`);
  const body = (await response.json()) as Record<string, unknown>;
  return {
    idToken: String(body.id_token ?? ""),
    accessToken: String(body.access_token ?? ""),
    refreshToken: typeof body.refresh_token === "string" ? body.refresh_token : null,
    expiresIn: Number(body.expires_in ?? 3600),
  };
}

export function configureSession(config: RuntimeConfig): void {
  session.setSource(
    config.authMode === "local"
      ? localSource
      : { refresh: (refreshToken) => cognitoToken(config, { grant_type: "refresh_token", refresh_token: refreshToken }) },
  );
}

export async function localSignIn(username: string, password: string): Promise<void> {
  session.accept(await call(api.POST("/api/auth/local-login", { body: { username, password } })));
}

/** Leave for the hosted UI; `returnTo` is where the app goes after sign-in. */
export async function startCognitoSignIn(config: RuntimeConfig, returnTo: string): Promise<void> {
  const verifier = randomToken(48);
  const state = randomToken(16);
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, returnTo }));
  window.location.assign(
    authorizeUrl({
      domain: config.hostedUiDomain,
      clientId: config.userPoolClientId,
      redirectUri: config.redirectUri,
      state,
      challenge: await codeChallenge(verifier),
    }),
  );
}

/**
 * If the current URL is the hosted UI's redirect back to us (state matches the one we saved), exchange
 * the code and return the path to continue at. Null when the URL is not a Cognito callback (for example
 * the Amazon Ads OAuth redirect, which has its own state).
 */
export async function completeCognitoSignIn(config: RuntimeConfig, url: URL): Promise<string | null> {
  const code = url.searchParams.get("code");
  const state = url.searchParams.get("state");
  const failure = url.searchParams.get("error");
  const saved = sessionStorage.getItem(PKCE_KEY);
  if (config.authMode !== "cognito" || !state || !saved || (!code && !failure)) return null;
  const pkce = JSON.parse(saved) as { verifier: string; state: string; returnTo: string };
  if (pkce.state !== state) return null;
  sessionStorage.removeItem(PKCE_KEY);
  if (!code) {
    // Cancelled or refused at the hosted UI: back to the sign-in page with the reason.
    return `/signin?${new URLSearchParams({ next: pkce.returnTo || "/", error: failure ?? "error" }).toString()}`;
  }
  session.accept(
    await cognitoToken(config, {
      grant_type: "authorization_code",
      code,
      redirect_uri: config.redirectUri,
      code_verifier: pkce.verifier,
    }),
  );
  return pkce.returnTo || "/";
}

export function signOut(config: RuntimeConfig): void {
  session.signOut();
  if (config.authMode === "cognito") {
    window.location.assign(logoutUrl(config.hostedUiDomain, config.userPoolClientId, config.redirectUri));
  }
}

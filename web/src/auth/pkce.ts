// Authorization code + PKCE (RFC 7636) for the Cognito hosted UI.

export function base64Url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function randomToken(byteLength = 32): string {
  const bytes = new Uint8Array(byteLength);
  crypto.getRandomValues(bytes);
  return base64Url(bytes);
}

export async function codeChallenge(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64Url(new Uint8Array(digest));
}

export function hostedUiBase(domain: string): string {
  const trimmed = domain.replace(/\/+$/, "");
  return /^https?:\/\//.test(trimmed) ? trimmed : `https://${trimmed}`;
}

export interface AuthorizeParams {
  domain: string;
  clientId: string;
  redirectUri: string;
  state: string;
  challenge: string;
}

export function authorizeUrl(p: AuthorizeParams): string {
  const q = new URLSearchParams({
    response_type: "code",
    client_id: p.clientId,
    redirect_uri: p.redirectUri,
    scope: "openid profile email",
    state: p.state,
    code_challenge: p.challenge,
    code_challenge_method: "S256",
  });
  return `${hostedUiBase(p.domain)}/oauth2/authorize?${q.toString()}`;
}

export function logoutUrl(domain: string, clientId: string, logoutUri: string): string {
  const q = new URLSearchParams({ client_id: clientId, logout_uri: logoutUri });
  return `${hostedUiBase(domain)}/logout?${q.toString()}`;
}

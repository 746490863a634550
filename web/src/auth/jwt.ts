// Reads claims of our own session's JWTs for display and expiry timing; the API verifies them.

export interface Claims {
  exp?: number;
  "cognito:username"?: string;
  username?: string;
  email?: string;
  "cognito:groups"?: string[];
  [key: string]: unknown;
}

export function decodeJwt(token: string): Claims | null {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const b64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    return claims !== null && typeof claims === "object" ? (claims as Claims) : null;
  } catch {
    return null;
  }
}
